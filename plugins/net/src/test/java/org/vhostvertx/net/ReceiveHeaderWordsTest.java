package org.vhostvertx.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The receive path writes bytes 8..23 of a delivered frame (the end of the virtio-net header and
 * both MACs) as two words built from the sender's words: the same bytes a plain copy would give,
 * with num_buffers set and, on a reflect port, the MACs swapped.
 */
class ReceiveHeaderWordsTest {

    @ParameterizedTest(name = "swap {0}")
    @ValueSource(booleans = {false, true})
    void theTwoWordsAreTheHeaderTailAndTheMacs(boolean swap) {
        byte[] dst = {0x52, 0x54, 0x00, 0x11, 0x22, 0x33};
        byte[] src = {0x52, 0x54, 0x00, (byte) 0xaa, (byte) 0xbb, (byte) 0xcc};
        // The sender's bytes 0..23: a 12-byte header (csum_offset 0x0707, num_buffers junk) and the MACs.
        ByteBuffer sent = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        sent.put(new byte[]{1, 0, 0, 0, 0, 0, 0x22, 0, 0x07, 0x07, (byte) 0xee, (byte) 0xee}).put(dst).put(src);
        long w1 = sent.getLong(8);
        long w2 = sent.getLong(16);

        int csumOffset = 0x0606;
        int buffers = 3;
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(Receiver.word1(csumOffset, buffers, w1, w2, swap)).putLong(Receiver.word2(w1, w2, swap));

        ByteBuffer expected = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        expected.putShort((short) csumOffset).putShort((short) buffers).put(swap ? src : dst).put(swap ? dst : src);
        assertArrayEquals(expected.array(), out.array(), "got " + Arrays.toString(out.array()));
    }
}
