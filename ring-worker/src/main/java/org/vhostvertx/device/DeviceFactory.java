package org.vhostvertx.device;

import io.vertx.core.json.JsonObject;

/**
 * Creates devices of one type from their configuration. Plugins register implementations in
 * META-INF/services/org.vhostvertx.device.DeviceFactory; the launcher finds them with ServiceLoader.
 */
public interface DeviceFactory {

    /** The "type" value of the configuration this factory serves ("blk", "net", "scsi"). */
    String type();

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
