package org.vhostvertx.device;

import io.vertx.core.json.JsonObject;

import java.util.Optional;
import java.util.Set;

/**
 * Creates devices of one type from their configuration. Plugins register implementations in
 * META-INF/services/org.vhostvertx.device.DeviceFactory; the launcher finds them with ServiceLoader.
 */
public interface DeviceFactory {

    /** The "type" value of the configuration this factory serves ("blk", "net", "scsi"). */
    String type();

    /**
     * The fields a device entry of this type may have besides the ones every device has (id, type,
     * socket, mode, socketPermissions, reconnectMillis), which the launcher reads itself. The
     * launcher refuses any other field of the entry before {@link #create} runs, naming it and the
     * closest known name, because a misspelt field would otherwise leave its default in place
     * without a word (a disk meant read-only would be writable). The objects inside a field's value
     * (scsi's LUNs) are the factory's to check, with {@link ConfigFields#onlyKnown}.
     *
     * <p>Empty, the default, means undeclared: the entry reaches {@link #create} unchecked and the
     * launcher logs a warning that misspelt fields of this type pass. An empty set instead would
     * refuse every field of a factory written before this method existed, though it reads them; a
     * factory with no fields of its own declares {@code Optional.of(Set.of())}.
     */
    default Optional<Set<String>> deviceFields() {
        return Optional.empty();
    }

    /**
     * The top-level fields {@link #configure} reads (the net plugin's "switches"), which the launcher
     * then accepts besides its own; it refuses a top-level field nobody declares, so a factory whose
     * configure reads one must name it here. None by default, as the default configure reads none.
     */
    default Set<String> topLevelFields() {
        return Set.of();
    }

    /**
     * A device for one configuration entry. A wrong value throws {@link DeviceException} with a
     * message naming the field.
     */
    VirtioDevice create(JsonObject config, DeviceContext context);

    /**
     * The whole configuration, once, before any device of this type is created: for settings that
     * are not one device's (the net plugin's top-level "switches"). A wrong value throws
     * {@link DeviceException} naming the field.
     */
    default void configure(JsonObject configuration) {
    }

    /** The back end stops: release what {@link #configure} made. */
    default void close() {
    }
}
