package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.VirtioDevice;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Makes net devices: {@code "port": "switch"} (default, with {@code "switch": NAME}, default
 * "default"), {@code "reflect"} or {@code "app"} (the application of the {@link NetAppProvider}
 * named by {@code "app"}, else the one registered with {@link AppPorts}; {@code "appConfig"}, an
 * object, holds that application's own settings, passed on unread), {@code "captureDir"}
 * (where captures go; default the socket's directory), {@code "mac"} ("52:54:00:12:34:56"; default
 * derived from the id), {@code "mtu"} (68..65535, default 1500), {@code "queues"} (queue pairs, 1..8).
 */
public final class NetDeviceFactory implements DeviceFactory {

    /** The fields of an entry of the top-level "switches". */
    static final Set<String> SWITCH_FIELDS = Set.of("name", "tap", "offloads");

    @Override
    public String type() {
        return "net";
    }

    @Override
    public Optional<Set<String>> deviceFields() {
        return Optional.of(Set.of("port", "switch", "app", "appConfig", "mac", "mtu", "queues", "captureDir"));
    }

    @Override
    public Set<String> topLevelFields() {
        return Set.of("switches");
    }

    private final java.util.List<Switch> withTaps = new java.util.ArrayList<>();

    /**
     * Top-level {@code "switches": [{"name": "br0", "tap": "vhtap0", "offloads": true}]}: a switch's
     * host port; offloads (default true) hands partial checksums and large TCP frames to and from
     * the kernel with their virtio-net header.
     */
    @Override
    public void configure(JsonObject configuration) {
        Object v = configuration.getValue("switches");
        if (v == null) {
            return;
        }
        if (!(v instanceof io.vertx.core.json.JsonArray list)) {
            throw new DeviceException("\"switches\" must be an array of {\"name\": ..., \"tap\": ...}");
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.getValue(i) instanceof JsonObject entry) {
                ConfigFields.onlyKnown(entry, "switches[" + i + "]", SWITCH_FIELDS);
            }
            if (!(list.getValue(i) instanceof JsonObject s) || !(s.getValue("name") instanceof String name)
                    || !name.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw new DeviceException("switches[" + i + "].name must be a switch name of 1 to 32 of A-Z a-z 0-9 _ . -");
            }
            Object tap = s.getValue("tap");
            if (tap == null) {
                continue;
            }
            if (!(tap instanceof String t)) {
                throw new DeviceException("switches[" + i + "].tap must be an interface name, was " + tap);
            }
            try {
                Switch sw = Switch.named(name);
                boolean offloads = !s.containsKey("offloads") || ConfigFields.bool(s, "switches[" + i + "]", "offloads");
                sw.attachTap(Tap.open(t, offloads));
                withTaps.add(sw);
            } catch (DeviceException e) {
                throw new DeviceException("switches[" + i + "].tap: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        withTaps.forEach(Switch::detachTap);
        withTaps.clear();
    }

    @Override
    public VirtioDevice create(JsonObject config, DeviceContext context) {
        Object port = config.getValue("port", "switch");
        int mtu = ConfigFields.integer(config, "mtu", 1500, 68, 65535);
        int pairs = ConfigFields.integer(config, "queues", 1, 1, 8);
        byte[] mac = mac(config.getValue("mac"), context.id());
        Path captureDir = captureDir(config);
        if (config.containsKey("app") && !"app".equals(port)) {
            // Left unread it would look like a working configuration whose application never runs.
            throw new DeviceException("\"app\" names the application of an app port (\"port\": \"app\"); this"
                    + " device's port is \"" + port + "\"");
        }
        if (config.containsKey("appConfig")) {
            if (!config.containsKey("app")) {
                throw new DeviceException("\"appConfig\" holds the settings of the application that \"app\" names;"
                        + " this device names none");
            }
            if (!(config.getValue("appConfig") instanceof JsonObject)) {
                throw new DeviceException("\"appConfig\" must be an object (the application's own settings), was "
                        + config.getValue("appConfig"));
            }
        }
        switch (String.valueOf(port)) {
            case "reflect" -> {
                return new NetDevice(context, mac, mtu, pairs, null, null, captureDir);
            }
            case "app" -> {
                return new NetDevice(context, mac, mtu, pairs, null, application(config, context.id()), captureDir);
            }
            case "switch" -> {
                Object name = config.getValue("switch", "default");
                if (!(name instanceof String s) || !s.matches("[A-Za-z0-9_.-]{1,32}")) {
                    throw new DeviceException("\"switch\" must be a switch name of 1 to 32 of A-Z a-z 0-9 _ . -, was "
                            + name);
                }
                return new NetDevice(context, mac, mtu, pairs, Switch.named(s), null, captureDir);
            }
            default -> throw new DeviceException("\"port\" must be \"switch\", \"reflect\" or \"app\" (a tap is a switch's"
                    + " host port, declared under \"switches\"), was \"" + port + "\"");
        }
    }

    /**
     * The application of app port id: made by the provider that "app" names, else the one
     * registered for id in {@link AppPorts}.
     */
    static NetApp application(JsonObject config, String id) {
        Object name = config.getValue("app");
        if (name == null) {
            return AppPorts.lookup(id);
        }
        if (!(name instanceof String s) || s.isBlank()) {
            throw new DeviceException("\"app\" must be the name of an application provider (NetAppProvider), was "
                    + name);
        }
        if (AppPorts.registered(id)) {
            throw new DeviceException("net device " + id + " has an application registered (AppPorts.register) and"
                    + " names one with \"app\": \"" + s + "\"; give it one or the other");
        }
        return NetAppProviders.create(s, id, config);
    }

    /** "captureDir", else the directory of the socket. */
    static Path captureDir(JsonObject config) {
        Object dir = config.getValue("captureDir");
        if (dir != null) {
            if (!(dir instanceof String d) || d.isBlank()) {
                throw new DeviceException("\"captureDir\" must be a directory path, was " + dir);
            }
            return Path.of(d).toAbsolutePath();
        }
        Path parent = Path.of(String.valueOf(config.getValue("socket", "."))).toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    static byte[] mac(Object value, String id) {
        if (value == null) {
            // Locally administered, derived from the id so it stays the same across restarts.
            byte[] h = id.getBytes(StandardCharsets.UTF_8);
            int hash = java.util.Arrays.hashCode(h);
            return new byte[]{0x52, 0x54, 0x00, (byte) (hash >> 16), (byte) (hash >> 8), (byte) hash};
        }
        if (!(value instanceof String s) || !s.matches("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")) {
            throw new DeviceException("\"mac\" must look like \"52:54:00:12:34:56\", was " + value);
        }
        byte[] mac = HexFormat.ofDelimiter(":").parseHex(s.toLowerCase());
        if ((mac[0] & 1) != 0) {
            throw new DeviceException("\"mac\" " + s + " is a multicast address");
        }
        return mac;
    }
}
