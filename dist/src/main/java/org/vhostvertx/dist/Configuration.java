package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.protocol.VhostUserVerticle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checked form of the configuration JSON: the fields every device shares. Device-specific
 * fields are checked by the device's factory. Every refusal names the field.
 */
public record Configuration(int workers, long pollMicros, long statsMillis, List<Device> devices) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** One device entry: the shared fields, and the whole entry for its factory. */
    public record Device(VhostUserVerticle.Settings settings, JsonObject entry) {
        public String id() {
            return settings.deviceId();
        }

        public String type() {
            return settings.deviceType();
        }
    }

    public static Configuration parse(JsonObject json, Set<String> knownTypes) {
        int workers = integer(json, "workers", 2, 1, 64);
        long pollMicros = integer(json, "pollMicros", 50, 0, 10_000_000);
        long statsMillis = integer(json, "statsMillis", 1000, 0, 3_600_000);
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
            String id = string(entry, where, "id");
            if (!ID.matcher(id).matches()) {
                throw new ConfigException(where + ".id \"" + id + "\" must be 1 to 64 of A-Z a-z 0-9 _ . -");
            }
            if (!ids.add(id)) {
                throw new ConfigException(where + ".id \"" + id + "\" is used twice");
            }
            String type = string(entry, where, "type");
            if (!knownTypes.contains(type)) {
                throw new ConfigException(where + ".type \"" + type + "\" is not a known device type; known: "
                        + knownTypes);
            }
            String socket = string(entry, where, "socket");
            if (!sockets.add(Path.of(socket).toAbsolutePath().normalize().toString())) {
                throw new ConfigException(where + ".socket \"" + socket + "\" is used by another device");
            }
            String mode = entry.getValue("mode") == null ? "server" : string(entry, where, "mode");
            if (!mode.equals("server") && !mode.equals("client")) {
                throw new ConfigException(where + ".mode must be \"server\" or \"client\", was \"" + mode + "\"");
            }
            String perms = entry.getValue("socketPermissions") == null ? "rw-------"
                    : string(entry, where, "socketPermissions");
            if (!perms.matches("[r-][w-][x-][r-][w-][x-][r-][w-][x-]")) {
                throw new ConfigException(where + ".socketPermissions must look like \"rw-------\", was \"" + perms
                        + "\"");
            }
            long reconnect = integer(entry, where + ".", "reconnectMillis", 100, 1, 600_000);
            devices.add(new Device(new VhostUserVerticle.Settings(id, type, Path.of(socket),
                    mode.equals("server") ? VhostUserVerticle.Mode.SERVER : VhostUserVerticle.Mode.CLIENT, perms,
                    reconnect), entry));
        }
        return new Configuration(workers, pollMicros, statsMillis, devices);
    }

    private static String string(JsonObject o, String where, String field) {
        Object v = o.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new ConfigException(where + "." + field + " must be a non-empty string" + (v == null ? "" : ", was " + v));
        }
        return s;
    }

    private static int integer(JsonObject o, String field, int dflt, int min, int max) {
        return integer(o, "", field, dflt, min, max);
    }

    private static int integer(JsonObject o, String prefix, String field, int dflt, int min, int max) {
        Object v = o.getValue(field);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > max) {
            throw new ConfigException(prefix + field + " must be a whole number from " + min + " to " + max
                    + ", was " + v);
        }
        return n.intValue();
    }
}
