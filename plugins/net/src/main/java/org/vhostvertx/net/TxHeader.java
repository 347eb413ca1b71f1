package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;

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
     * True when the header of tx asks for nothing we cannot do; csum says whether the sending port
     * negotiated VIRTIO_NET_F_CSUM.
     */
    static boolean acceptable(DescriptorChain tx, boolean csum) {
        return acceptable(tx, csum, false, false);
    }

    /** As above; tso4/tso6 say whether the port negotiated HOST_TSO4/HOST_TSO6. */
    static boolean acceptable(DescriptorChain tx, boolean csum, boolean tso4, boolean tso6) {
        return acceptable(tx.readLong(0), word8(tx), tx.readableLength() - NetFeatures.HEADER, csum, tso4, tso6);
    }

    /**
     * Bytes 8..11 of tx's header (csum_offset, num_buffers), read as part of the word at 4 so a
     * chain of only a header has it too.
     */
    static int word8(DescriptorChain tx) {
        return (int) (tx.readLong(4) >>> 32);
    }

    /**
     * True when the header whose bytes 0..7 are w0 and bytes 8..11 are w8 (native order) asks for
     * nothing we cannot do, for a frame of frame bytes. A caller that goes on to use the header's
     * fields reads the two words once and passes them here, so what is used is what was checked:
     * the sender's guest can rewrite its buffer at any time. A large frame must ask for a partial
     * TCP checksum, and its gso_size must be a sane segment size.
     */
    static boolean acceptable(long w0, int w8, long frame, boolean csum, boolean tso4, boolean tso6) {
        int flags = (int) w0 & 0xff;
        int gsoType = gsoType(w0);
        if ((flags & ~F_NEEDS_CSUM) != 0) {
            return false;
        }
        int start = csumStart(w0);
        int offset = csumOffset(w8);
        if (gsoType != 0) {
            int type = gsoType & ~GSO_ECN;
            int size = (int) (w0 >>> 32) & 0xffff;
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

    /** gso_type of the header word w0 (bytes 0..7). */
    static int gsoType(long w0) {
        return (int) (w0 >>> 8) & 0xff;
    }

    /** csum_start of the header word w0 (bytes 0..7). */
    static int csumStart(long w0) {
        return (int) (w0 >>> 48);
    }

    /** csum_offset of the header word w8 (bytes 8..11). */
    static int csumOffset(int w8) {
        return w8 & 0xffff;
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
