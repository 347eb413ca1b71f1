package org.vhostvertx.device;

/**
 * vhost-user protocol feature bits (VHOST_USER_PROTOCOL_F_*, vhost-user.rst "Protocol features")
 * and the virtio feature bit that enables them. They live in the device SPI so that a plugin names
 * the protocol features it needs in {@link DeviceSpec#protocolFeatures()} with these constants
 * instead of declaring the bits again.
 */
public final class ProtocolFeatures {

    /**
     * VHOST_USER_F_PROTOCOL_FEATURES: a virtio feature bit (30) that the back end offers to say it
     * speaks protocol features. The transport offers it for every device.
     */
    public static final long F_PROTOCOL_FEATURES = 1L << 30;

    /**
     * VHOST_F_LOG_ALL: a virtio feature bit (26) of vhost itself, never the guest's: while the front
     * end has it set, every write into guest memory is logged in the SET_LOG_BASE bitmap.
     */
    public static final long F_LOG_ALL = 1L << 26;

    public static final long MQ = 1L << 0;
    public static final long LOG_SHMFD = 1L << 1;
    public static final long RARP = 1L << 2;
    public static final long REPLY_ACK = 1L << 3;
    public static final long NET_MTU = 1L << 4;
    public static final long BACKEND_REQ = 1L << 5;
    public static final long CROSS_ENDIAN = 1L << 6;
    public static final long CRYPTO_SESSION = 1L << 7;
    public static final long PAGEFAULT = 1L << 8;
    public static final long CONFIG = 1L << 9;
    public static final long BACKEND_SEND_FD = 1L << 10;
    public static final long HOST_NOTIFIER = 1L << 11;
    public static final long INFLIGHT_SHMFD = 1L << 12;
    public static final long RESET_DEVICE = 1L << 13;
    public static final long INBAND_NOTIFICATIONS = 1L << 14;
    public static final long CONFIGURE_MEM_SLOTS = 1L << 15;
    public static final long STATUS = 1L << 16;
    public static final long XEN_MMAP = 1L << 17;
    public static final long SHARED_OBJECT = 1L << 18;
    public static final long DEVICE_STATE = 1L << 19;

    /**
     * What the framework itself implements for every device; a device adds the ones only it can
     * serve (CONFIG, INFLIGHT_SHMFD, RARP, NET_MTU ...) in {@link DeviceSpec#protocolFeatures()}.
     */
    public static final long COMMON = MQ | LOG_SHMFD | REPLY_ACK | BACKEND_REQ | CONFIGURE_MEM_SLOTS | RESET_DEVICE
            | STATUS;

    private ProtocolFeatures() {
    }
}
