package org.vhostvertx.protocol;

/**
 * The front-end requests of vhost-user.rst, one row each: the payload size and descriptor count the
 * request must carry, the feature the front end must have negotiated for it to be served, and
 * whether it has a reply of its own. A size of -1 means variable (checked by the handler); "fds" -1
 * means it depends on the payload.
 *
 * <p>The dispatcher ({@code FrontEndConnection}) applies the table to every request, in this
 * order, and nothing else checks features or reply duties:
 * <ol>
 *   <li>An unknown code is refused.</li>
 *   <li>A request whose {@link #needs() feature} was not negotiated is refused like an unknown one.
 *       Protocol features count once SET_PROTOCOL_FEATURES took them. A virtio feature bit counts
 *       once SET_FEATURES took it, and before the first SET_FEATURES (again after a reset) if we
 *       offer it: QEMU enables a net device's rings (SET_VRING_ENABLE) before it sends SET_FEATURES,
 *       and vhost-user.rst lets the requests of protocol features run as soon as
 *       VHOST_USER_F_PROTOCOL_FEATURES is offered.</li>
 *   <li>A payload or descriptor count other than the row's is refused; then the handler may refuse
 *       what it reads.</li>
 * </ol>
 *
 * <p>A refusal is logged and published ({@code request-refused}). What the front end gets depends
 * on the reply column:
 * <ul>
 *   <li>{@link Reply#ACK}: a non-zero u64 if REPLY_ACK was negotiated and the front end asked for
 *       a reply (NEED_REPLY); otherwise nothing, and the connection goes on.</li>
 *   <li>{@link Reply#OWN}: the front end waits for a reply of the request's own shape, which we
 *       cannot give, and an ack in its place would be read as that reply (a u64 status or config
 *       bytes). The connection is closed instead, whether the request was unknown to the device,
 *       not negotiated or malformed; the front end sees the end of the stream and may reconnect.</li>
 * </ul>
 *
 * <p>Requests that a row gates behind a feature we never offer (IOMMU_PLATFORM,
 * CROSS_ENDIAN, CRYPTO_SESSION, PAGEFAULT, INBAND_NOTIFICATIONS, SHARED_OBJECT, DEVICE_STATE) are
 * therefore always refused; GPU_SET_SOCKET needs no feature and is refused as not supported.
 * SET_LOG_BASE needs LOG_SHMFD and then always has a reply (QEMU waits for it without asking for
 * an ack); SET_LOG_FD (a log eventfd) is not supported.
 * NET_SET_MTU is only sent when VIRTIO_NET_F_MTU is negotiated too, but QEMU sends it before
 * SET_FEATURES, so only its protocol feature is checked.
 */
public enum Request {
    GET_FEATURES(1, 0, 0, Feature.NONE, Reply.OWN),
    SET_FEATURES(2, 8, 0, Feature.NONE, Reply.ACK),
    SET_OWNER(3, 0, 0, Feature.NONE, Reply.ACK),
    RESET_OWNER(4, 0, 0, Feature.NONE, Reply.ACK),
    SET_MEM_TABLE(5, -1, -1, Feature.NONE, Reply.ACK),
    SET_LOG_BASE(6, 16, 1, Feature.LOG_SHMFD, Reply.OWN),
    SET_LOG_FD(7, 0, 1, Feature.LOG_SHMFD, Reply.ACK),
    SET_VRING_NUM(8, 8, 0, Feature.NONE, Reply.ACK),
    SET_VRING_ADDR(9, 40, 0, Feature.NONE, Reply.ACK),
    SET_VRING_BASE(10, 8, 0, Feature.NONE, Reply.ACK),
    GET_VRING_BASE(11, 8, 0, Feature.NONE, Reply.OWN),
    SET_VRING_KICK(12, 8, -1, Feature.NONE, Reply.ACK),
    SET_VRING_CALL(13, 8, -1, Feature.NONE, Reply.ACK),
    SET_VRING_ERR(14, 8, -1, Feature.NONE, Reply.ACK),
    /** Legal once VHOST_USER_F_PROTOCOL_FEATURES is offered, which it always is. */
    GET_PROTOCOL_FEATURES(15, 0, 0, Feature.NONE, Reply.OWN),
    /** As GET_PROTOCOL_FEATURES. */
    SET_PROTOCOL_FEATURES(16, 8, 0, Feature.NONE, Reply.ACK),
    GET_QUEUE_NUM(17, 0, 0, Feature.MQ, Reply.OWN),
    SET_VRING_ENABLE(18, 8, 0, Feature.PROTOCOL_FEATURES, Reply.ACK),
    SEND_RARP(19, 8, 0, Feature.RARP, Reply.ACK),
    NET_SET_MTU(20, 8, 0, Feature.NET_MTU, Reply.ACK),
    SET_BACKEND_REQ_FD(21, 0, 1, Feature.BACKEND_REQ, Reply.ACK),
    IOTLB_MSG(22, -1, 0, Feature.IOMMU_PLATFORM, Reply.OWN),
    SET_VRING_ENDIAN(23, 8, 0, Feature.CROSS_ENDIAN, Reply.ACK),
    GET_CONFIG(24, -1, 0, Feature.CONFIG, Reply.OWN),
    SET_CONFIG(25, -1, 0, Feature.CONFIG, Reply.ACK),
    CREATE_CRYPTO_SESSION(26, -1, 0, Feature.CRYPTO_SESSION, Reply.OWN),
    CLOSE_CRYPTO_SESSION(27, 8, 0, Feature.CRYPTO_SESSION, Reply.ACK),
    POSTCOPY_ADVISE(28, 0, 0, Feature.PAGEFAULT, Reply.OWN),
    POSTCOPY_LISTEN(29, 0, 0, Feature.PAGEFAULT, Reply.ACK),
    POSTCOPY_END(30, 0, 0, Feature.PAGEFAULT, Reply.OWN),
    GET_INFLIGHT_FD(31, 24, 0, Feature.INFLIGHT_SHMFD, Reply.OWN),
    SET_INFLIGHT_FD(32, 24, 1, Feature.INFLIGHT_SHMFD, Reply.ACK),
    GPU_SET_SOCKET(33, 0, 1, Feature.NONE, Reply.ACK),
    RESET_DEVICE(34, 0, 0, Feature.RESET_DEVICE, Reply.ACK),
    VRING_KICK(35, 8, 0, Feature.INBAND_NOTIFICATIONS, Reply.ACK),
    GET_MAX_MEM_SLOTS(36, 0, 0, Feature.CONFIGURE_MEM_SLOTS, Reply.OWN),
    ADD_MEM_REG(37, 40, 1, Feature.CONFIGURE_MEM_SLOTS, Reply.ACK),
    REM_MEM_REG(38, 40, -1, Feature.CONFIGURE_MEM_SLOTS, Reply.ACK),
    SET_STATUS(39, 8, 0, Feature.STATUS, Reply.ACK),
    GET_STATUS(40, 0, 0, Feature.STATUS, Reply.OWN),
    GET_SHARED_OBJECT(41, 16, 0, Feature.SHARED_OBJECT, Reply.OWN),
    SET_DEVICE_STATE_FD(42, 16, 1, Feature.DEVICE_STATE, Reply.OWN),
    CHECK_DEVICE_STATE(43, 0, 0, Feature.DEVICE_STATE, Reply.OWN);

    /** How a request is answered. */
    enum Reply {
        /** No reply of its own: an ack (0, or non-zero for a refusal) when REPLY_ACK asks for one. */
        ACK,
        /** A reply of its own, always, whatever REPLY_ACK says (GET_* and the like). */
        OWN
    }

    private static final Request[] BY_CODE = new Request[64];

    static {
        for (Request r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;
    private final int payloadSize;
    private final int fds;
    private final Feature needs;
    private final Reply reply;

    Request(int code, int payloadSize, int fds, Feature needs, Reply reply) {
        this.code = code;
        this.payloadSize = payloadSize;
        this.fds = fds;
        this.needs = needs;
        this.reply = reply;
    }

    public int code() {
        return code;
    }

    int payloadSize() {
        return payloadSize;
    }

    int fds() {
        return fds;
    }

    /** The feature the front end must have negotiated for this request to be served. */
    Feature needs() {
        return needs;
    }

    /** True when the request has a reply of its own, which the front end waits for. */
    boolean ownsReply() {
        return reply == Reply.OWN;
    }

    /** The request with this code, or null for an unknown code. */
    public static Request of(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /**
     * Applies the table to a message (steps 1 to 3 above): its request, or a refusal.
     *
     * @throws ProtocolException (not fatal) for an unknown code, a feature not negotiated, or a payload
     *                           size or descriptor count other than the row's
     */
    static Request admit(Message m, FeatureNegotiation negotiation) {
        Request r = m.request();
        if (r == null) {
            throw ProtocolException.refuse("unknown request code " + m.code);
        }
        if (!negotiation.negotiated(r.needs())) {
            throw ProtocolException.refuse("its feature " + r.needs() + " was not negotiated");
        }
        if (r.payloadSize >= 0 && m.payload.length != r.payloadSize) {
            throw ProtocolException.refuse(r + " payload of " + m.payload.length + " bytes, expected "
                    + r.payloadSize);
        }
        if (r.fds >= 0 && m.fdCount() != r.fds) {
            throw ProtocolException.refuse(r + " carried " + m.fdCount() + " descriptors, expected " + r.fds);
        }
        return r;
    }
}
