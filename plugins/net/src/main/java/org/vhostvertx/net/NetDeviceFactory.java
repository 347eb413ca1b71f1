package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.VirtioDevice;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Makes net devices: {@code "port": "reflect"} (the switch port and tap uplink are not built yet
 * and are refused with a clear message), {@code "mac"} ("52:54:00:12:34:56"; default derived from
 * the id), {@code "mtu"} (68..65535, default 1500), {@code "queues"} (queue pairs, 1..8).
 */
public final class NetDeviceFactory implements DeviceFactory {

    @Override
    public String type() {
        return "net";
    }

    @Override
    public VirtioDevice create(JsonObject config, DeviceContext context) {
        Object port = config.getValue("port", "switch");
        if (!"reflect".equals(port)) {
            throw new DeviceException("\"port\": \"" + port + "\" is not available yet; this version has \"reflect\"");
        }
        int mtu = ConfigFields.integer(config, "mtu", 1500, 68, 65535);
        int pairs = ConfigFields.integer(config, "queues", 1, 1, 8);
        byte[] mac = mac(config.getValue("mac"), context.id());
        return new NetDevice(context, mac, mtu, pairs);
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
