package org.vhostvertx.protocol;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.linux.UnixSocket;

import java.io.EOFException;
import java.lang.foreign.Arena;

/**
 * Reads messages from a non-blocking socket: receives what the {@link MessageDecoder} still wants
 * (the descriptors arrive with the header) and lets it reassemble them. Partial reads are kept
 * until the rest arrives.
 */
final class MessageReader implements AutoCloseable {

    /** Nothing in vhost-user.rst is larger than this (GET_CONFIG: 12 + 256). */
    static final int MAX_PAYLOAD = MessageDecoder.MAX_PAYLOAD;

    private final Arena arena = Arena.ofShared();
    private final MessageDecoder decoder =
            new MessageDecoder(arena.allocate(Message.HEADER_SIZE + MAX_PAYLOAD, 8));

    /**
     * The next complete message, or null if the socket has no more bytes now.
     *
     * @throws EOFException      when the front end closed the connection
     * @throws ProtocolException (fatal) for a header that cannot be trusted
     */
    Message read(UnixSocket socket) throws EOFException {
        while (true) {
            // Never 0: the decoder hands out a message as soon as its last byte arrives.
            int want = decoder.want();
            long rc = socket.receive(decoder.space(), want, decoder.fdSlots(), decoder.fdCount());
            if (rc == -Linux.EAGAIN) {
                return null;
            }
            if (rc < 0) {
                throw new LinuxException("recvmsg", (int) -rc);
            }
            if (rc == 0) {
                throw new EOFException("front end closed the connection");
            }
            if (socket.lastControlTruncated()) {
                decoder.received(0, socket.lastFdCount());  // counted, so close() closes them
                throw ProtocolException.fatal("more than " + UnixSocket.MAX_FDS
                        + " descriptors in one message (the kernel truncated them)");
            }
            Message m = decoder.received((int) rc, socket.lastFdCount());
            if (m != null) {
                return m;
            }
        }
    }

    /** Closes descriptors of a message that never completed. */
    @Override
    public void close() {
        int[] fds = decoder.fdSlots();
        for (int i = 0; i < decoder.fdCount(); i++) {
            Linux.close(fds[i]);
        }
        arena.close();
    }
}
