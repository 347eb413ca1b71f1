package org.vhostvertx.protocol;

/**
 * Front-end requests of vhost-user.rst, with the payload size and descriptor count each must carry.
 * A size of -1 means variable (checked by the handler); "fds" -1 means it depends on the payload.
 */
public enum Request {
    GET_FEATURES(1, 0, 0),
    SET_FEATURES(2, 8, 0),
    SET_OWNER(3, 0, 0),
    RESET_OWNER(4, 0, 0),
    SET_MEM_TABLE(5, -1, -1),
    SET_LOG_BASE(6, 16, 1),
    SET_LOG_FD(7, 0, 1),
    SET_VRING_NUM(8, 8, 0),
    SET_VRING_ADDR(9, 40, 0),
    SET_VRING_BASE(10, 8, 0),
    GET_VRING_BASE(11, 8, 0),
    SET_VRING_KICK(12, 8, -1),
    SET_VRING_CALL(13, 8, -1),
    SET_VRING_ERR(14, 8, -1),
    GET_PROTOCOL_FEATURES(15, 0, 0),
    SET_PROTOCOL_FEATURES(16, 8, 0),
    GET_QUEUE_NUM(17, 0, 0),
    SET_VRING_ENABLE(18, 8, 0),
    SEND_RARP(19, 8, 0),
    NET_SET_MTU(20, 8, 0),
    SET_BACKEND_REQ_FD(21, 0, 1),
    IOTLB_MSG(22, -1, 0),
    SET_VRING_ENDIAN(23, 8, 0),
    GET_CONFIG(24, -1, 0),
    SET_CONFIG(25, -1, 0),
    CREATE_CRYPTO_SESSION(26, -1, 0),
    CLOSE_CRYPTO_SESSION(27, 8, 0),
    POSTCOPY_ADVISE(28, 0, 0),
    POSTCOPY_LISTEN(29, 0, 0),
    POSTCOPY_END(30, 0, 0),
    GET_INFLIGHT_FD(31, 24, 0),
    SET_INFLIGHT_FD(32, 24, 1),
    GPU_SET_SOCKET(33, 0, 1),
    RESET_DEVICE(34, 0, 0),
    VRING_KICK(35, 8, 0),
    GET_MAX_MEM_SLOTS(36, 0, 0),
    ADD_MEM_REG(37, 40, 1),
    REM_MEM_REG(38, 40, -1),
    SET_STATUS(39, 8, 0),
    GET_STATUS(40, 0, 0),
    GET_SHARED_OBJECT(41, 16, 0),
    SET_DEVICE_STATE_FD(42, 16, 1),
    CHECK_DEVICE_STATE(43, 0, 0);

    private static final Request[] BY_CODE = new Request[64];

    static {
        for (Request r : values()) {
            BY_CODE[r.code] = r;
        }
    }

    private final int code;
    private final int payloadSize;
    private final int fds;

    Request(int code, int payloadSize, int fds) {
        this.code = code;
        this.payloadSize = payloadSize;
        this.fds = fds;
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

    /** The request with this code, or null for an unknown code. */
    public static Request of(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
