package org.vhostvertx.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Names of feature bits, for people reading what a front end negotiated: the virtio transport bits
 * (virtio 1.2 §6, bits 24 to 41, and vhost-user's PROTOCOL_FEATURES, bit 30), which the framework
 * names, and the vhost-user protocol features. A device's own bits are named by the device
 * ({@link VirtioDevice#featureNames()}). Names are the specifications' without their prefix
 * (VIRTIO_F_, VIRTIO_BLK_F_, VHOST_USER_PROTOCOL_F_ ...); a bit nobody names is "bit N".
 */
public final class FeatureNames {

    /** The transport bits by number (virtio 1.2 §6; 30 is VHOST_USER_F_PROTOCOL_FEATURES). */
    static final Map<Integer, String> TRANSPORT = Map.ofEntries(
            Map.entry(24, "NOTIFY_ON_EMPTY"),
            Map.entry(27, "ANY_LAYOUT"),
            Map.entry(28, "INDIRECT_DESC"),
            Map.entry(29, "EVENT_IDX"),
            Map.entry(30, "PROTOCOL_FEATURES"),
            Map.entry(32, "VERSION_1"),
            Map.entry(33, "ACCESS_PLATFORM"),
            Map.entry(34, "RING_PACKED"),
            Map.entry(35, "IN_ORDER"),
            Map.entry(36, "ORDER_PLATFORM"),
            Map.entry(37, "SR_IOV"),
            Map.entry(38, "NOTIFICATION_DATA"),
            Map.entry(39, "NOTIF_CONFIG_DATA"),
            Map.entry(40, "RING_RESET"));

    /** vhost-user protocol features by bit number (vhost-user.rst, "Protocol features"). */
    static final Map<Integer, String> PROTOCOL = Map.ofEntries(
            entry(ProtocolFeatures.MQ, "MQ"),
            entry(ProtocolFeatures.LOG_SHMFD, "LOG_SHMFD"),
            entry(ProtocolFeatures.RARP, "RARP"),
            entry(ProtocolFeatures.REPLY_ACK, "REPLY_ACK"),
            entry(ProtocolFeatures.NET_MTU, "NET_MTU"),
            entry(ProtocolFeatures.BACKEND_REQ, "BACKEND_REQ"),
            entry(ProtocolFeatures.CROSS_ENDIAN, "CROSS_ENDIAN"),
            entry(ProtocolFeatures.CRYPTO_SESSION, "CRYPTO_SESSION"),
            entry(ProtocolFeatures.PAGEFAULT, "PAGEFAULT"),
            entry(ProtocolFeatures.CONFIG, "CONFIG"),
            entry(ProtocolFeatures.BACKEND_SEND_FD, "BACKEND_SEND_FD"),
            entry(ProtocolFeatures.HOST_NOTIFIER, "HOST_NOTIFIER"),
            entry(ProtocolFeatures.INFLIGHT_SHMFD, "INFLIGHT_SHMFD"),
            entry(ProtocolFeatures.RESET_DEVICE, "RESET_DEVICE"),
            entry(ProtocolFeatures.INBAND_NOTIFICATIONS, "INBAND_NOTIFICATIONS"),
            entry(ProtocolFeatures.CONFIGURE_MEM_SLOTS, "CONFIGURE_MEM_SLOTS"),
            entry(ProtocolFeatures.STATUS, "STATUS"),
            entry(ProtocolFeatures.XEN_MMAP, "XEN_MMAP"),
            entry(ProtocolFeatures.SHARED_OBJECT, "SHARED_OBJECT"),
            entry(ProtocolFeatures.DEVICE_STATE, "DEVICE_STATE"));

    private FeatureNames() {
    }

    /**
     * A map entry for a device's {@link VirtioDevice#featureNames()}: the bit's number (from its
     * mask, e.g. {@code 1L << 5}) and its name.
     */
    public static Map.Entry<Integer, String> entry(long mask, String name) {
        if (Long.bitCount(mask) != 1) {
            throw new IllegalArgumentException("not one feature bit: 0x" + Long.toHexString(mask));
        }
        return Map.entry(Long.numberOfTrailingZeros(mask), name);
    }

    /**
     * The names of the virtio feature bits set in features, lowest bit first: transport bits by the
     * framework's names, the others by deviceNames (bit number to name), else "bit N".
     */
    public static List<String> virtio(long features, Map<Integer, String> deviceNames) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                String name = TRANSPORT.get(bit);
                if (name == null) {
                    name = deviceNames.get(bit);
                }
                names.add(name != null ? name : "bit " + bit);
            }
        }
        return names;
    }

    /** The names of the vhost-user protocol feature bits set in protocolFeatures, lowest bit first. */
    public static List<String> protocol(long protocolFeatures) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((protocolFeatures & (1L << bit)) != 0) {
                names.add(PROTOCOL.getOrDefault(bit, "bit " + bit));
            }
        }
        return names;
    }
}
