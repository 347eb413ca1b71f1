package org.vhostvertx.protocol;

import org.vhostvertx.linux.Linux;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One decoded front-end message: header fields, payload, and the descriptors that came with it.
 * A handler takes the descriptors it keeps; {@link #closeUntakenFds()} closes the rest. A handler
 * may also attach a descriptor to the reply.
 */
final class Message {

    static final int HEADER_SIZE = 12;
    static final int VERSION_MASK = 0x3;
    static final int VERSION = 0x1;
    static final int FLAG_REPLY = 0x4;
    static final int FLAG_NEED_REPLY = 0x8;
    /** The layout of the header's fields. */
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    final int code;
    final int flags;
    final byte[] payload;
    private final int[] fds;
    private int replyFd = -1;

    Message(int code, int flags, byte[] payload, int[] fds) {
        this.code = code;
        this.flags = flags;
        this.payload = payload;
        this.fds = fds;
    }

    Request request() {
        return Request.of(code);
    }

    boolean needReply() {
        return (flags & FLAG_NEED_REPLY) != 0;
    }

    int fdCount() {
        int n = 0;
        for (int fd : fds) {
            if (fd >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Descriptor i, still owned by the message (closed after the request is handled). */
    int fd(int i) {
        return fds[i];
    }

    /** Takes ownership of descriptor i (the caller must close it). */
    int takeFd(int i) {
        int fd = fds[i];
        fds[i] = -1;
        return fd;
    }

    /** Sends a copy of fd with the reply (GET_INFLIGHT_FD); the handler's owner keeps fd. */
    void attachToReply(int fd) {
        replyFd = fd;
    }

    /** The descriptor to send with the reply, or -1. */
    int replyFd() {
        return replyFd;
    }

    void closeUntakenFds() {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] >= 0) {
                Linux.close(fds[i]);
                fds[i] = -1;
            }
        }
    }

    ByteBuffer body() {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    }

    long u64() {
        return body().getLong(0);
    }

    String name() {
        Request r = request();
        return r == null ? "request " + code : r.name();
    }
}
