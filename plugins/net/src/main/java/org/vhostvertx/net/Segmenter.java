package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Cuts a large TCP frame (TSO, over IPv4 or IPv6) into frames of gso_size payload bytes for a
 * receiver that did not negotiate large frames: per segment the Ethernet/IP/TCP headers are copied
 * and adjusted (IP length and id, IPv4 header checksum, TCP sequence number and flags, TCP
 * checksum), and the payload goes straight from the sender's buffers to the receiver's.
 */
final class Segmenter {

    /** Where each segment goes. */
    interface Sink {
        void segment(MemorySegment head, int headLength, DescriptorChain tx, long payloadPos, long payloadLength);
    }

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final int MAX_HEAD = 256;

    private final MemorySegment original = Arena.ofAuto().allocate(MAX_HEAD, 8);
    private final MemorySegment head = Arena.ofAuto().allocate(MAX_HEAD, 8);

    /**
     * Segments the frame of frameLength bytes after tx's virtio-net header whose TCP header starts
     * at l4 (csum_start), mss (gso_size) payload bytes a segment. Returns false, delivering nothing,
     * for a frame we cannot parse. l4 and mss come from a header read again from the sender's memory
     * after {@link TxHeader} checked it, so they are checked here as well: a gso_size of 0 would
     * otherwise cut empty segments forever.
     */
    boolean segment(DescriptorChain tx, long frameLength, int l4, int mss, Sink sink) {
        if (mss < TxHeader.MIN_GSO_SIZE || l4 < NetFeatures.ETH_HEADER || l4 + 20 > frameLength || l4 + 20 > MAX_HEAD) {
            return false;
        }
        tx.read(NetFeatures.HEADER, original, 0, Math.min(MAX_HEAD, frameLength));
        int tcpLength = ((original.get(ValueLayout.JAVA_BYTE, l4 + 12) & 0xf0) >> 4) * 4;
        int headLength = l4 + tcpLength;
        int l3 = NetFeatures.ETH_HEADER;
        int etherType = Short.toUnsignedInt(original.get(BE16, 12));
        if (etherType == 0x8100) {
            l3 += 4;
            etherType = Short.toUnsignedInt(original.get(BE16, 16));
        }
        boolean v4 = etherType == 0x0800;
        if ((!v4 && etherType != 0x86dd) || tcpLength < 20 || headLength > frameLength || headLength > MAX_HEAD) {
            return false;
        }
        long payload = frameLength - headLength;
        int seq = original.get(BE32, l4 + 4);
        int flags = original.get(ValueLayout.JAVA_BYTE, l4 + 13) & 0xff;
        int id = v4 ? Short.toUnsignedInt(original.get(BE16, l3 + 4)) : 0;
        for (long done = 0, i = 0; done < payload || (payload == 0 && i == 0); done += mss, i++) {
            long len = Math.min(mss, payload - done);
            boolean last = done + len >= payload;
            MemorySegment.copy(original, 0, head, 0, headLength);
            if (v4) {
                int ihl = (head.get(ValueLayout.JAVA_BYTE, l3) & 0x0f) * 4;
                head.set(BE16, l3 + 2, (short) (headLength - l3 + len));
                head.set(BE16, l3 + 4, (short) (id + i));
                head.set(BE16, l3 + 10, (short) 0);
                head.set(BE16, l3 + 10, (short) checksum(sum(head, l3, ihl)));
            } else {
                head.set(BE16, l3 + 4, (short) (headLength - l3 - 40 + len));
            }
            head.set(BE32, l4 + 4, seq + (int) done);
            int f = flags;
            if (!last) {
                f &= ~0x09;  // FIN, PSH only on the last segment
            }
            if (i > 0) {
                f &= ~0x80;  // CWR only on the first
            }
            head.set(ValueLayout.JAVA_BYTE, l4 + 13, (byte) f);
            head.set(BE16, l4 + 16, (short) 0);
            long tcpSegment = tcpLength + len;
            long s = pseudoHeader(head, l3, v4, tcpSegment) + sum(head, l4, tcpLength)
                    + tx.onesComplementSum(NetFeatures.HEADER + headLength + done, len);
            head.set(BE16, l4 + 16, (short) checksum(s));
            sink.segment(head, headLength, tx, NetFeatures.HEADER + headLength + done, len);
            if (payload == 0) {
                break;
            }
        }
        return true;
    }

    private static long pseudoHeader(MemorySegment h, int l3, boolean v4, long tcpLength) {
        long s = v4 ? sum(h, l3 + 12, 8) : sum(h, l3 + 8, 32);
        return s + 6 + tcpLength;
    }

    private static long sum(MemorySegment m, int from, int length) {
        long s = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            s += Short.toUnsignedInt(m.get(BE16, from + i));
        }
        if ((length & 1) != 0) {
            s += (m.get(ValueLayout.JAVA_BYTE, from + length - 1) & 0xff) << 8;
        }
        return s;
    }

    private static int checksum(long s) {
        return ~fold(s) & 0xffff;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (s & 0xffff);
    }
}
