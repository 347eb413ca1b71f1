package org.vhostvertx.net;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.test.frontend.DriverRing.Used;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A switch port hands back what it forwarded burst by burst, while its worker's round still runs:
 * after port A's transmit handler returns and before anything publishes the queues, A's driver has
 * every transmit buffer back and B's driver every frame. Whether to call either driver is still
 * decided at the round's publish.
 */
class SwitchBurstsTest {

    /** More than one burst, so the first is handed back while the second is forwarded. */
    private static final int FRAMES = Receiver.BURST + 9;
    private static final byte[] MAC_A = {0x52, 0x54, 0, 0, 0, 0x0a};

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void bothDriversHaveTheBurstsBeforeTheRoundPublishes(boolean packed) throws Exception {
        Switch sw = Switch.named("bursts-" + UUID.randomUUID());
        try (PortRings a = new PortRings(packed, 64, 1 << 20, sw, MAC_A);
             PortRings b = new PortRings(packed, 64, 1 << 20, sw, new byte[]{0x52, 0x54, 0, 0, 0, 0x0b})) {
            long rxBuffers = b.offerReceiveBuffers(FRAMES);
            // Each receive handler makes its port's receiver take this thread's receive queue.
            a.rxHandler.process(a.rxq, a.counters);
            b.rxHandler.process(b.rxq, b.counters);
            List<byte[]> sent = new ArrayList<>();
            List<Integer> txIds = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                byte[] frame = frame(i);
                sent.add(frame);
                txIds.add(a.transmit(frame));
            }
            assertTrue(a.txHandler.process(a.txq, a.counters));

            for (int i = 0; i < FRAMES; i++) {
                Used u = a.tx.pollUsed();
                assertEquals(txIds.get(i), u == null ? null : u.id(), "transmit buffer " + i + " is back before publish");
            }
            assertNull(a.tx.pollUsed());
            for (int i = 0; i < FRAMES; i++) {
                Used u = b.rx.pollUsed();
                assertEquals(i, u == null ? null : u.id(), "frame " + i + " is at B before publish");
                byte[] expected = sent.get(i).clone();
                expected[10] = 1; // num_buffers
                assertEquals(expected.length, u.len());
                assertArrayEquals(expected, b.ram.read(rxBuffers + 2048L * i, expected.length), "frame " + i);
            }
            assertNull(b.rx.pollUsed());

            // The drivers asked for calls (no suppression): the round's publish still makes them.
            assertTrue(a.txq.publish(), "A's transmit queue: call");
            assertTrue(b.rxq.publish(), "B's receive queue: call");
        }
    }

    /**
     * A virtio-net header (no offloads) and a 64-byte frame from A to an address nobody owns (so
     * the switch sends it to its only other port), its other bytes naming it.
     */
    private static byte[] frame(int n) {
        byte[] f = new byte[NetFeatures.HEADER + 64];
        for (int k = NetFeatures.HEADER; k < f.length; k++) {
            f[k] = (byte) (n * 7 + k);
        }
        byte[] nobody = {0x02, 0, 0, 0, 0, 0x01};
        System.arraycopy(nobody, 0, f, NetFeatures.HEADER, 6);
        System.arraycopy(MAC_A, 0, f, NetFeatures.HEADER + 6, 6);
        return f;
    }
}
