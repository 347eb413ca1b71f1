package org.vhostvertx.protocol;

import org.vhostvertx.linux.UnixSocket;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Reassembles messages from the bytes and descriptors a stream delivers in pieces of any size: the
 * 12-byte header first, checked (version, payload size), then the body. No I/O: {@link MessageReader}
 * receives into {@link #space()} and {@link #fdSlots()} and says what arrived.
 */
final class MessageDecoder {

    /** Nothing in vhost-user.rst is larger than this (GET_CONFIG: 12 + 256). */
    static final int MAX_PAYLOAD = 4096;

    private final MemorySegment buf;
    private final int[] fds = new int[UnixSocket.MAX_FDS];
    private int fdCount;
    private int have;
    private int size = -1;

    /** buf holds one message: at least {@link Message#HEADER_SIZE} + {@link #MAX_PAYLOAD} bytes. */
    MessageDecoder(MemorySegment buf) {
        if (buf.byteSize() < Message.HEADER_SIZE + MAX_PAYLOAD) {
            throw new IllegalArgumentException("a message buffer of " + buf.byteSize() + " bytes");
        }
        this.buf = buf;
    }

    /** How many bytes the next receive may take: the rest of the header, or the rest of the body. */
    int want() {
        return size < 0 ? Message.HEADER_SIZE - have : Message.HEADER_SIZE + size - have;
    }

    /** Where the next bytes go. */
    MemorySegment space() {
        return buf.asSlice(have);
    }

    /** Where descriptors that arrive go, from index {@link #fdCount()}. */
    int[] fdSlots() {
        return fds;
    }

    /** Descriptors received for the message in progress (closed by the owner if it never completes). */
    int fdCount() {
        return fdCount;
    }

    /**
     * Counts bytes (at most {@link #want()}) and newFds descriptors that arrived in {@link #space()}
     * and {@link #fdSlots()}; returns the message they complete, or null while it is incomplete.
     *
     * @throws ProtocolException (fatal) for a header that cannot be trusted; the stream is then lost
     */
    Message received(int bytes, int newFds) {
        if (bytes < 0 || bytes > want() || newFds < 0 || fdCount + newFds > fds.length) {
            throw new IllegalArgumentException(bytes + " bytes and " + newFds + " descriptors received, "
                    + want() + " bytes and " + (fds.length - fdCount) + " descriptors wanted");
        }
        have += bytes;
        fdCount += newFds;
        if (size < 0 && have == Message.HEADER_SIZE) {
            size = payloadSize(buf.get(ValueLayout.JAVA_INT_UNALIGNED, 4), buf.get(ValueLayout.JAVA_INT_UNALIGNED, 8));
        }
        if (size < 0 || have != Message.HEADER_SIZE + size) {
            return null;
        }
        Message m = new Message(buf.get(ValueLayout.JAVA_INT_UNALIGNED, 0), buf.get(ValueLayout.JAVA_INT_UNALIGNED, 4),
                buf.asSlice(Message.HEADER_SIZE, size).toArray(ValueLayout.JAVA_BYTE), Arrays.copyOf(fds, fdCount));
        have = 0;
        size = -1;
        fdCount = 0;
        return m;
    }

    /** The payload size a header's flags and size words announce, if the header can be trusted. */
    static int payloadSize(int flags, int size) {
        if ((flags & Message.VERSION_MASK) != Message.VERSION) {
            throw ProtocolException.fatal("header version " + (flags & Message.VERSION_MASK) + ", expected 1");
        }
        if (size < 0 || size > MAX_PAYLOAD) {
            throw ProtocolException.fatal("payload size " + Integer.toUnsignedString(size) + " exceeds " + MAX_PAYLOAD);
        }
        return size;
    }
}
