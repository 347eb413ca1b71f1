package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Checks the virtio-net header of a transmitted frame. A partial checksum (NEEDS_CSUM) is accepted
 * when the port negotiated CSUM and csum_start/csum_offset lie inside the frame; segmentation
 * (gso_type) is not offered yet. Anything else is a header the driver should not have sent: the
 * frame is dropped and counted as a bad header, never passed on half-done.
 */
final class TxHeader {

    static final int F_NEEDS_CSUM = 1;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;
    /** The smallest gso_size (segment payload) a large frame may ask for. */
    static final int MIN_GSO_SIZE = 8;

    private TxHeader() {
    }

    /**
     * True when the header of tx (read into scratch, 12 bytes) asks for nothing we cannot do; csum
     * says whether the sending port negotiated VIRTIO_NET_F_CSUM.
     */
    static boolean acceptable(DescriptorChain tx, MemorySegment scratch, boolean csum) {
        return acceptable(tx, scratch, csum, false, false);
    }

    /**
     * As above; tso4/tso6 say whether the port negotiated HOST_TSO4/HOST_TSO6. A large frame must
     * ask for a partial TCP checksum, and its gso_size must be a sane segment size.
     */
    static boolean acceptable(DescriptorChain tx, MemorySegment scratch, boolean csum, boolean tso4, boolean tso6) {
        // Two words instead of a copy (the header is 12 bytes, and a frame follows it).
        scratch.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, tx.readLong(0));
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 8, (int) (tx.readLong(4) >>> 32));
        int flags = scratch.get(ValueLayout.JAVA_BYTE, 0);
        int gsoType = scratch.get(ValueLayout.JAVA_BYTE, 1) & 0xff;
        if ((flags & ~F_NEEDS_CSUM) != 0) {
            return false;
        }
        long frame = tx.readableLength() - NetFeatures.HEADER;
        int start = Short.toUnsignedInt(scratch.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6));
        int offset = Short.toUnsignedInt(scratch.get(ValueLayout.JAVA_SHORT_UNALIGNED, 8));
        if (gsoType != 0) {
            int type = gsoType & ~GSO_ECN;
            int size = Short.toUnsignedInt(scratch.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4));
            boolean allowed = type == GSO_TCPV4 ? tso4 : type == GSO_TCPV6 && tso6;
            if (!allowed || (gsoType & GSO_ECN) != 0 || (flags & F_NEEDS_CSUM) == 0 || offset != 16
                    || size < MIN_GSO_SIZE || size > 65535) {
                return false;
            }
        }
        if ((flags & F_NEEDS_CSUM) == 0) {
            return true;
        }
        return csum && start >= NetFeatures.ETH_HEADER && (long) start + offset + 2 <= frame;
    }

    /** The gso_type of the header read by acceptable() into scratch. */
    static int gsoType(MemorySegment scratch) {
        return scratch.get(ValueLayout.JAVA_BYTE, 1) & 0xff;
    }

    /** The checksum that completes a partial one: the folded, inverted sum from csum_start to the end. */
    static int complete(DescriptorChain tx, int csumStart, long frame) {
        long sum = tx.onesComplementSum(NetFeatures.HEADER + csumStart, frame - csumStart);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
