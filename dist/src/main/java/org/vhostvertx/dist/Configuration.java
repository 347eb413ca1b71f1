package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.protocol.VhostUserVerticle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checked form of the configuration JSON: the top level and the fields every device shares.
 * Device-specific fields are checked by the device's factory; which ones a device entry may have
 * is checked here, from the set its factory declares. Every refusal names the field.
 */
public record Configuration(int workers, long pollMicros, long statsMillis, List<Device> devices) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** The top-level fields the launcher reads; plugins add theirs ({@link DeviceFactory#topLevelFields}). */
    static final Set<String> TOP_LEVEL_FIELDS = Set.of("workers", "pollMicros", "statsMillis", "devices");
    /** The fields every device entry has; its factory adds its own ({@link DeviceFactory#deviceFields}). */
    static final Set<String> DEVICE_FIELDS = Set.of("id", "type", "socket", "mode", "socketPermissions",
            "reconnectMillis");

    /** One device entry: the shared fields, and the whole entry for its factory. */
    public record Device(VhostUserVerticle.Settings settings, JsonObject entry) {
        public String id() {
            return settings.deviceId();
        }

        public String type() {
            return settings.deviceType();
        }
    }

    /**
     * Checks json against the launcher's fields and those the device plugins (factories, by type)
     * declare; a refusal is a {@link ConfigException} naming the field.
     */
    public static Configuration parse(JsonObject json, Map<String, DeviceFactory> factories) {
        try {
            return read(json, factories);
        } catch (DeviceException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static Configuration read(JsonObject json, Map<String, DeviceFactory> factories) {
        Set<String> topLevel = new HashSet<>(TOP_LEVEL_FIELDS);
        factories.values().forEach(f -> topLevel.addAll(f.topLevelFields()));
        ConfigFields.onlyKnown(json, null, topLevel);
        int workers = ConfigFields.integer(json, "workers", 2, 1, 64);
        long pollMicros = ConfigFields.integer(json, "pollMicros", 50, 0, 10_000_000);
        long statsMillis = ConfigFields.integer(json, "statsMillis", 1000, 0, 3_600_000);
        Object d = json.getValue("devices");
        if (!(d instanceof JsonArray array) || array.isEmpty()) {
            throw new ConfigException("\"devices\" must be a non-empty array of device objects");
        }
        List<Device> devices = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> sockets = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String where = "devices[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject entry)) {
                throw new ConfigException(where + " must be an object");
            }
            // The type first: it says which fields the entry may have, and those are checked
            // before any value, so a misspelt "Id" is named as such rather than as a missing id.
            String type = ConfigFields.string(entry, where, "type");
            DeviceFactory factory = factories.get(type);
            if (factory == null) {
                throw new ConfigException(where + ".type \"" + type + "\" is not a known device type; known: "
                        + factories.keySet());
            }
            factory.deviceFields().ifPresent(own -> {
                Set<String> fields = new HashSet<>(DEVICE_FIELDS);
                fields.addAll(own);
                ConfigFields.onlyKnown(entry, where, fields);
            });
            String id = ConfigFields.string(entry, where, "id");
            if (!ID.matcher(id).matches()) {
                throw new ConfigException(where + ".id \"" + id + "\" must be 1 to 64 of A-Z a-z 0-9 _ . -");
            }
            if (!ids.add(id)) {
                throw new ConfigException(where + ".id \"" + id + "\" is used twice");
            }
            String socket = ConfigFields.string(entry, where, "socket");
            if (!sockets.add(Path.of(socket).toAbsolutePath().normalize().toString())) {
                throw new ConfigException(where + ".socket \"" + socket + "\" is used by another device");
            }
            String mode = ConfigFields.string(entry, where, "mode", "server");
            if (!mode.equals("server") && !mode.equals("client")) {
                throw new ConfigException(where + ".mode must be \"server\" or \"client\", was \"" + mode + "\"");
            }
            String perms = ConfigFields.string(entry, where, "socketPermissions", "rw-------");
            if (!perms.matches("[r-][w-][x-][r-][w-][x-][r-][w-][x-]")) {
                throw new ConfigException(where + ".socketPermissions must look like \"rw-------\", was \"" + perms
                        + "\"");
            }
            long reconnect = ConfigFields.integer(entry, where, "reconnectMillis", 100, 1, 600_000);
            devices.add(new Device(new VhostUserVerticle.Settings(id, type, Path.of(socket),
                    mode.equals("server") ? VhostUserVerticle.Mode.SERVER : VhostUserVerticle.Mode.CLIENT, perms,
                    reconnect), entry));
        }
        return new Configuration(workers, pollMicros, statsMillis, devices);
    }
}
