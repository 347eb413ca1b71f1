package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.protocol.VhostUserVerticle;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
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
 *
 * @param node    the node's name: the addresses {@code vhost.node.<node>} and
 *                {@code vhost.control.<node>.<id>}, and the {@code node} of every published message
 * @param console the checked {@code "console"} object as given, for the web console; null when absent
 *                (the {@code "cluster"} object is checked here too, and read by the launcher: {@link ClusterSettings})
 * @param json    the whole configuration as given (plugins' top-level fields included)
 */
public record Configuration(String node, int workers, long pollMicros, long statsMillis, JsonObject console,
                            List<Device> devices, JsonObject json) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** The top-level fields the launcher reads; plugins add theirs ({@link DeviceFactory#topLevelFields}). */
    static final Set<String> TOP_LEVEL_FIELDS = Set.of("node", "workers", "pollMicros", "statsMillis", "console",
            "cluster", "devices");
    /** The fields every device entry has; its factory adds its own ({@link DeviceFactory#deviceFields}). */
    static final Set<String> DEVICE_FIELDS = Set.of("id", "type", "socket", "mode", "socketPermissions",
            "reconnectMillis", "disableFeatures");
    /** The fields of the top-level "console" object, which the web console reads. */
    static final Set<String> CONSOLE_FIELDS = Set.of("host", "port", "token", "readOnly", "enabled", "metricsOpen");

    /** One device entry: the shared fields, and the whole entry for its factory. */
    public record Device(VhostUserVerticle.Settings settings, JsonObject entry) {
        public String id() {
            return settings.deviceId();
        }

        public String type() {
            return settings.deviceType();
        }

        /** The socket path as the uniqueness checks compare it. */
        String socketKey() {
            return socketKey(settings.socket());
        }

        static String socketKey(Path socket) {
            return socket.toAbsolutePath().normalize().toString();
        }

        /** The virtio features not to offer, by name (checked against the device type when it is made). */
        public List<String> disableFeatures() {
            JsonArray names = entry.getJsonArray("disableFeatures");
            return names == null ? List.of() : names.stream().map(String.class::cast).toList();
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

    /**
     * Checks one device entry as {@link #parse} checks each of "devices", naming its fields after
     * where ("devices[2]", or "device" for one added at run time); whether its id and socket are
     * free is the caller's to check. A refusal is a {@link ConfigException} naming the field.
     */
    public static Device device(JsonObject entry, String where, Map<String, DeviceFactory> factories) {
        try {
            return readDevice(entry, where, factories);
        } catch (DeviceException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * The node's name when the configuration gives none: the host name, with each character a name
     * may not have replaced by '-', and at most 64 of them.
     */
    public static String defaultNode() {
        String host;
        try {
            host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException unknown) {
                host = "";
            }
        }
        return nodeName(host);
    }

    /** host as a node name: '-' for each character a name may not have, at most 64, "localhost" for none. */
    static String nodeName(String host) {
        String name = host.replaceAll("[^A-Za-z0-9_.-]", "-");
        name = name.length() > 64 ? name.substring(0, 64) : name;
        return name.isEmpty() ? "localhost" : name;
    }

    /**
     * This configuration with other devices (each an entry as the configuration file has it), as a
     * JSON object that {@link #parse} takes: the launcher's own top-level fields with the values in
     * force (the node's name included, so a restart keeps it), the others (console, the plugins')
     * as given.
     */
    public JsonObject withDevices(List<JsonObject> entries) {
        JsonObject out = json.copy();
        out.put("node", node).put("workers", workers).put("pollMicros", pollMicros).put("statsMillis", statsMillis);
        JsonArray list = new JsonArray();
        entries.forEach(e -> list.add(e.copy()));
        return out.put("devices", list);
    }

    private static Configuration read(JsonObject json, Map<String, DeviceFactory> factories) {
        Set<String> topLevel = new HashSet<>(TOP_LEVEL_FIELDS);
        factories.values().forEach(f -> topLevel.addAll(f.topLevelFields()));
        ConfigFields.onlyKnown(json, null, topLevel);
        String node = ConfigFields.string(json, null, "node", null);
        if (node == null) {
            node = defaultNode();
        } else if (!NAME.matcher(node).matches()) {
            throw new ConfigException("\"node\" must be 1 to 64 of A-Z a-z 0-9 _ . -, was \"" + node + "\"");
        }
        int workers = ConfigFields.integer(json, "workers", 2, 1, 64);
        long pollMicros = ConfigFields.integer(json, "pollMicros", 50, 0, 10_000_000);
        long statsMillis = ConfigFields.integer(json, "statsMillis", 1000, 0, 3_600_000);
        JsonObject console = console(json.getValue("console"));
        // Used by the launcher before Vert.x starts (-cluster); checked here too, so that a
        // misspelt field is refused with or without -cluster.
        ClusterSettings.parse(json);
        Object d = json.getValue("devices");
        if (!(d instanceof JsonArray array)) {
            throw new ConfigException("\"devices\" must be an array of device objects");
        }
        List<Device> devices = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> sockets = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String where = "devices[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject entry)) {
                throw new ConfigException(where + " must be an object");
            }
            Device device = readDevice(entry, where, factories);
            if (!ids.add(device.id())) {
                throw new ConfigException(where + ".id \"" + device.id() + "\" is used twice");
            }
            if (!sockets.add(device.socketKey())) {
                throw new ConfigException(where + ".socket \"" + device.settings().socket()
                        + "\" is used by another device");
            }
            devices.add(device);
        }
        return new Configuration(node, workers, pollMicros, statsMillis, console, devices, json);
    }

    /**
     * The "console" object: host, port (0..65535), token (16 to 128 characters, never repeated in a
     * refusal), readOnly, enabled, metricsOpen. Checked here, used by the web console.
     */
    private static JsonObject console(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject console)) {
            throw new ConfigException("\"console\" must be an object with the fields " + String.join(", ",
                    new java.util.TreeSet<>(CONSOLE_FIELDS)));
        }
        ConfigFields.onlyKnown(console, "console", CONSOLE_FIELDS);
        ConfigFields.string(console, "console", "host", null);
        ConfigFields.integer(console, "console", "port", 0, 0, 65535);
        Object token = console.getValue("token");
        if (token != null && (!(token instanceof String t) || t.length() < 16 || t.length() > 128)) {
            throw new ConfigException("console.token must be a string of 16 to 128 characters"
                    + (token instanceof String t ? ", has " + t.length() : ""));
        }
        for (String flag : List.of("readOnly", "enabled", "metricsOpen")) {
            ConfigFields.bool(console, "console", flag);
        }
        return console;
    }

    private static Device readDevice(JsonObject entry, String where, Map<String, DeviceFactory> factories) {
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
        if (!NAME.matcher(id).matches()) {
            throw new ConfigException(where + ".id \"" + id + "\" must be 1 to 64 of A-Z a-z 0-9 _ . -");
        }
        String socket = ConfigFields.string(entry, where, "socket");
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
        Object disable = entry.getValue("disableFeatures");
        if (disable != null && !(disable instanceof JsonArray names && names.stream().allMatch(String.class::isInstance))) {
            throw new ConfigException(where + ".disableFeatures must be a list of feature names, e.g. [\"EVENT_IDX\"]");
        }
        return new Device(new VhostUserVerticle.Settings(id, type, Path.of(socket),
                mode.equals("server") ? VhostUserVerticle.Mode.SERVER : VhostUserVerticle.Mode.CLIENT, perms,
                reconnect), entry);
    }
}
