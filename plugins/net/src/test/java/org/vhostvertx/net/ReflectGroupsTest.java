package org.vhostvertx.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.test.frontend.DriverRing.Used;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reflect port hands back what it moved group by group, while its worker's round still runs:
 * after the transmit handler returns and before anything publishes the queues, the driver already
 * has every frame back and every transmit buffer free. Whether to call the driver is still
 * decided at the round's publish, for all of them.
 */
class ReflectGroupsTest {

    private static final int FRAMES = 3 * ReflectPair.GROUP + 3;

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void framesAndTransmitBuffersReachTheDriverBeforeTheRoundPublishes(boolean packed) throws Exception {
        try (PortRings r = new PortRings(packed, 64, 1 << 20)) {
            long rxBuffers = r.offerReceiveBuffers(FRAMES);
            // The receive handler makes the pair's receiver take this thread's receive queue.
            assertFalse(r.rxHandler.process(r.rxq, r.counters), "no frames yet");
            List<byte[]> sent = new ArrayList<>();
            List<Integer> txIds = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                byte[] frame = frame(i);
                sent.add(frame);
                txIds.add(r.transmit(frame));
            }
            assertTrue(r.txHandler.process(r.txq, r.counters));

            for (int i = 0; i < FRAMES; i++) {
                Used u = r.tx.pollUsed();
                assertEquals(txIds.get(i), u == null ? null : u.id(), "transmit buffer " + i + " is back before publish");
            }
            assertNull(r.tx.pollUsed());
            for (int i = 0; i < FRAMES; i++) {
                Used u = r.rx.pollUsed();
                assertEquals(i, u == null ? null : u.id(), "frame " + i + " is back before publish");
                byte[] expected = sent.get(i).clone();
                // Our header: one buffer; MACs swapped.
                expected[10] = 1;
                System.arraycopy(sent.get(i), NetFeatures.HEADER + 6, expected, NetFeatures.HEADER, 6);
                System.arraycopy(sent.get(i), NetFeatures.HEADER, expected, NetFeatures.HEADER + 6, 6);
                assertEquals(expected.length, u.len());
                assertArrayEquals(expected, r.ram.read(rxBuffers + 2048L * i, expected.length), "frame " + i);
            }
            assertNull(r.rx.pollUsed());
            // Counted a group at a time (both queues share these counters): each frame once as
            // taken and once as delivered, with its 64 bytes.
            assertEquals(2L * FRAMES, r.counters.requests());
            assertEquals(2L * FRAMES * 64, r.counters.bytes());

            // The driver asked for calls (no suppression): the round's publish still makes them.
            assertTrue(r.rxq.publish(), "receive queue: call");
            assertTrue(r.txq.publish(), "transmit queue: call");
            assertFalse(r.rxq.publish(), "nothing new");
            assertFalse(r.txq.publish(), "nothing new");
        }
    }

    /** A virtio-net header (no offloads) and a 64-byte frame whose bytes name it. */
    private static byte[] frame(int n) {
        byte[] f = new byte[NetFeatures.HEADER + 64];
        for (int k = NetFeatures.HEADER; k < f.length; k++) {
            f[k] = (byte) (n * 7 + k);
        }
        return f;
    }
}
