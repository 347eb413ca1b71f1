package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes the classic libpcap file format (version 2.4, microsecond timestamps, LINKTYPE_ETHERNET)
 * that tcpdump and Wireshark read: a 24-byte file header, then per frame a 16-byte record header
 * and the frame. Everything is written in this machine's byte order (readers tell by the magic
 * number). Records collect in a buffer of native memory allocated once and go to the channel when
 * it is full, so appending allocates nothing. Not thread-safe.
 */
final class PcapWriter implements AutoCloseable {

    static final int MAGIC = 0xa1b2c3d4;
    static final int LINKTYPE_ETHERNET = 1;
    /** The longest frame recorded whole; longer ones are cut here (a port's frames never are). */
    static final int SNAPLEN = 262144;
    static final int FILE_HEADER = 24;
    static final int RECORD_HEADER = 16;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final WritableByteChannel channel;
    private final MemorySegment buffer;
    private final ByteBuffer view;
    private int used;
    private long bytes;

    /** A writer onto channel with a buffer of bufferBytes (at least a record of the longest frame). */
    PcapWriter(WritableByteChannel channel, int bufferBytes) {
        if (bufferBytes < RECORD_HEADER + 65535 + 18) {
            throw new IllegalArgumentException("a pcap buffer must hold the longest frame, " + bufferBytes + " does not");
        }
        this.channel = channel;
        this.buffer = Arena.ofAuto().allocate(bufferBytes, 8);
        this.view = buffer.asByteBuffer();
        buffer.set(INT, 0, MAGIC);
        buffer.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) 2);
        buffer.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) 4);
        buffer.set(INT, 8, 0);
        buffer.set(INT, 12, 0);
        buffer.set(INT, 16, SNAPLEN);
        buffer.set(INT, 20, LINKTYPE_ETHERNET);
        used = FILE_HEADER;
        bytes = FILE_HEADER;
    }

    /** Appends the length bytes of frame at micros (since the epoch). */
    void append(long micros, MemorySegment frame, int length) throws IOException {
        int at = reserve(micros, length);
        MemorySegment.copy(frame, 0, buffer, at, Math.min(length, SNAPLEN));
    }

    /**
     * Appends the length bytes of chain's readable part from pos at micros; swapMacs exchanges the
     * destination and source MAC in the record (a reflected frame, as the guest receives it).
     */
    void append(long micros, DescriptorChain chain, long pos, int length, boolean swapMacs) throws IOException {
        int at = reserve(micros, length);
        chain.read(pos, buffer, at, Math.min(length, SNAPLEN));
        if (swapMacs) {
            long dst = buffer.get(INT, at) & 0xffff_ffffL | (buffer.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 4) & 0xffffL) << 32;
            MemorySegment.copy(buffer, at + 6, buffer, at, 6);
            buffer.set(INT, at + 6, (int) dst);
            buffer.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 10, (short) (dst >>> 32));
        }
    }

    /** Writes the record header and returns where the frame's bytes go. */
    private int reserve(long micros, int length) throws IOException {
        int kept = Math.min(length, SNAPLEN);
        if (used + RECORD_HEADER + kept > buffer.byteSize()) {
            flush();
        }
        buffer.set(INT, used, (int) (micros / 1_000_000));
        buffer.set(INT, used + 4, (int) (micros % 1_000_000));
        buffer.set(INT, used + 8, kept);
        buffer.set(INT, used + 12, length);
        int at = used + RECORD_HEADER;
        used = at + kept;
        bytes += RECORD_HEADER + kept;
        return at;
    }

    /** Bytes of the file so far, buffered ones included. */
    long bytes() {
        return bytes;
    }

    /** Writes what is buffered to the channel (an IOException such as a full disk goes to the caller). */
    void flush() throws IOException {
        view.clear().limit(used);
        while (view.hasRemaining()) {
            channel.write(view);
        }
        used = 0;
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
    }
}
