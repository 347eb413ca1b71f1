package org.vhostvertx.protocol;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.linux.UnixSocket;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Reassembles messages from a non-blocking socket: the 12-byte header first (the descriptors
 * arrive with it), then the body. Partial reads are kept until the rest arrives.
 */
final class MessageReader implements AutoCloseable {

    /** Nothing in vhost-user.rst is larger than this (GET_CONFIG: 12 + 256). */
    static final int MAX_PAYLOAD = 4096;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(Message.HEADER_SIZE + MAX_PAYLOAD, 8);
    private final int[] fds = new int[UnixSocket.MAX_FDS];
    private int fdCount;
    private int have;
    private int size = -1;

    /**
     * The next complete message, or null if the socket has no more bytes now.
     *
     * @throws EOFException      when the front end closed the connection
     * @throws ProtocolException (fatal) for a header that cannot be trusted
     */
    Message read(UnixSocket socket) throws EOFException {
        while (true) {
            int want = size < 0 ? Message.HEADER_SIZE - have : Message.HEADER_SIZE + size - have;
            if (want > 0) {
                long rc = socket.receive(buf.asSlice(have), want, fds, fdCount);
                if (rc == -Linux.EAGAIN) {
                    return null;
                }
                if (rc < 0) {
                    throw new LinuxException("recvmsg", (int) -rc);
                }
                if (rc == 0) {
                    throw new EOFException("front end closed the connection");
                }
                fdCount += socket.lastFdCount();
                if (socket.lastControlTruncated()) {
                    throw ProtocolException.fatal("more than " + UnixSocket.MAX_FDS
                            + " descriptors in one message (the kernel truncated them)");
                }
                have += (int) rc;
            }
            if (size < 0 && have == Message.HEADER_SIZE) {
                int flags = buf.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
                int sz = buf.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
                if ((flags & Message.VERSION_MASK) != Message.VERSION) {
                    throw ProtocolException.fatal("header version " + (flags & Message.VERSION_MASK) + ", expected 1");
                }
                if (sz < 0 || sz > MAX_PAYLOAD) {
                    throw ProtocolException.fatal("payload size " + Integer.toUnsignedString(sz)
                            + " exceeds " + MAX_PAYLOAD);
                }
                size = sz;
            }
            if (size >= 0 && have == Message.HEADER_SIZE + size) {
                Message m = new Message(buf.get(ValueLayout.JAVA_INT_UNALIGNED, 0),
                        buf.get(ValueLayout.JAVA_INT_UNALIGNED, 4),
                        buf.asSlice(Message.HEADER_SIZE, size).toArray(ValueLayout.JAVA_BYTE),
                        Arrays.copyOf(fds, fdCount));
                have = 0;
                size = -1;
                fdCount = 0;
                return m;
            }
        }
    }

    /** Closes descriptors of a message that never completed. */
    @Override
    public void close() {
        for (int i = 0; i < fdCount; i++) {
            Linux.close(fds[i]);
        }
        fdCount = 0;
        arena.close();
    }
}
