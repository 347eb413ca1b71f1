package org.vhostvertx.net;

import org.junit.jupiter.api.Test;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The segmenter reads the large frame's header from the sender's buffer again, after the sending
 * port checked it: the sender's guest may have changed it in between, so the segmenter refuses what
 * TxHeader would have refused instead of trusting it. A gso_size of 0 used to cut segments of 0
 * bytes forever on the lane's worker.
 */
class SegmenterTest {

    private static final int L4 = NetFeatures.ETH_HEADER + 20;
    private static final int PAYLOAD = 100;

    /** A TCP/IPv4 frame of PAYLOAD bytes after its headers, behind a virtio-net header asking for TSO with mss. */
    private static DescriptorChain largeFrame(int mss) {
        ByteBuffer b = ByteBuffer.allocate(NetFeatures.HEADER + L4 + 20 + PAYLOAD);
        b.order(ByteOrder.LITTLE_ENDIAN).put((byte) TxHeader.F_NEEDS_CSUM).put((byte) TxHeader.GSO_TCPV4)
                .putShort((short) (L4 + 20)).putShort((short) mss).putShort((short) L4).putShort((short) 16)
                .putShort((short) 0);
        b.order(ByteOrder.BIG_ENDIAN).put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + PAYLOAD)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short) 1234).putShort((short) 80).putInt(1000).putInt(0).put((byte) 0x50).put((byte) 0x18)
                .putShort((short) 1024).putInt(0);
        MemorySegment m = Arena.ofAuto().allocate(b.capacity());
        MemorySegment.copy(MemorySegment.ofArray(b.array()), 0, m, 0, b.capacity());
        DescriptorChain tx = new DescriptorChain();
        tx.wrap(m, b.capacity());
        return tx;
    }

    private static List<Long> segments(int mss, int l4) {
        DescriptorChain tx = largeFrame(mss);
        List<Long> lengths = new ArrayList<>();
        boolean done = new Segmenter().segment(tx, tx.readableLength() - NetFeatures.HEADER, l4, mss,
                (head, headLength, chain, pos, len) -> {
                    if (lengths.size() > PAYLOAD) {
                        fail("more segments than payload bytes: the segmenter does not end");
                    }
                    lengths.add(len);
                });
        return done ? lengths : null;
    }

    @Test
    void aFrameIsCutIntoSegmentsOfItsSegmentSize() {
        assertEquals(List.of(40L, 40L, 20L), segments(40, L4));
    }

    @Test
    void aSegmentSizeRewrittenToZeroIsRefused() {
        assertEquals(null, segments(0, L4), "refused, nothing delivered");
    }

    @Test
    void aSegmentSizeTxHeaderWouldRefuseIsRefused() {
        assertEquals(null, segments(TxHeader.MIN_GSO_SIZE - 1, L4));
        assertTrue(segments(TxHeader.MIN_GSO_SIZE, L4).size() > 1);
    }
}
