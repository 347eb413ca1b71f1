package org.vhostvertx.virtq;

import org.junit.jupiter.api.Test;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.DriverRing.Used;
import org.vhostvertx.test.frontend.PackedDriverRing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packed ring's wrap counters, driven by the test kit's driver ring. */
class PackedVirtqueueTest {

    /** The device's side of driver's ring, from the driver's initial state. */
    private static Virtqueue deviceOn(RingFixture f, PackedDriverRing driver) {
        return f.device(driver, Virtqueue.F_RING_PACKED, driver.initialBase());
    }

    @Test
    void chainsOfOneAndTwoSlotsGoRoundTheRingManyTimes() {
        try (RingFixture f = new RingFixture()) {
            PackedDriverRing driver = new PackedDriverRing(f.ram, 4);
            Virtqueue q = deviceOn(f, driver);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            int slots = 0;
            for (int round = 0; round < 20; round++) {
                boolean two = round % 3 == 0;
                int id = two ? driver.add(Buf.in(buf, 8), Buf.out(buf + 8, 100 + round))
                        : driver.add(Buf.out(buf, 100 + round));
                assertTrue(q.pop(chain), "round " + round);
                assertEquals(id, chain.id());
                assertEquals(100 + round, chain.writableLength());
                assertEquals(1, q.inFlight());
                assertFalse(q.pop(chain));
                q.push(chain, round);
                q.publish();
                assertEquals(0, q.inFlight());
                Used u = driver.pollUsed();
                assertEquals(id, u.id(), "round " + round);
                assertEquals(round, u.len());
                slots += two ? 2 : 1;
            }
            // 27 slots on a ring of 4: 6 wraps, position 3; both wrap counters back to 1 after an even count.
            int position = slots % 4;
            boolean wrap = (slots / 4) % 2 == 0;
            int half = position | (wrap ? 0x8000 : 0);
            assertEquals(half | (half << 16), q.vringBase(), "avail and used state for GET_VRING_BASE");
        }
    }

    @Test
    void aRingRestartedFromItsBaseGoesOnWhereItStopped() {
        try (RingFixture f = new RingFixture()) {
            PackedDriverRing driver = new PackedDriverRing(f.ram, 4);
            Virtqueue q = deviceOn(f, driver);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            for (int i = 0; i < 5; i++) {
                driver.add(Buf.out(buf, 16));
                q.pop(chain);
                q.push(chain, 1);
                q.publish();
                driver.pollUsed();
            }
            Virtqueue again = f.device(driver, Virtqueue.F_RING_PACKED, q.vringBase());
            int id = driver.add(Buf.out(buf, 32));
            assertTrue(again.pop(chain), "the next buffer, past the wrap");
            assertEquals(id, chain.id());
            again.push(chain, 7);
            again.publish();
            assertEquals(7, driver.pollUsed().len());
        }
    }

    @Test
    void aBurstOfUsedBuffersReachesTheDriverAtOnceWhenPublishedAcrossTheWrap() {
        try (RingFixture f = new RingFixture()) {
            PackedDriverRing driver = new PackedDriverRing(f.ram, 4);
            Virtqueue q = deviceOn(f, driver);
            // Positions 0..2 first, then a burst of 3 that crosses the ring's end (3, 0, 1).
            for (int burst = 0; burst < 2; burst++) {
                int[] ids = takeAndReturnUnpublished(f, driver, q, 3, 10 * burst);
                q.publish();
                for (int i = 0; i < ids.length; i++) {
                    Used u = driver.pollUsed();
                    assertEquals(ids[i], u.id(), "burst " + burst + " buffer " + i);
                    assertEquals(10 * burst + i, u.len());
                }
                assertEquals(null, driver.pollUsed());
            }
        }
    }

    /**
     * n buffers offered, taken and returned (lengths firstLength, +1, ...) but not published: the
     * driver must see none of them yet. Their ids, in order.
     */
    private static int[] takeAndReturnUnpublished(RingFixture f, PackedDriverRing driver, Virtqueue q, int n,
                                                  int firstLength) {
        int[] ids = new int[n];
        DescriptorChain chain = new DescriptorChain();
        for (int i = 0; i < n; i++) {
            ids[i] = driver.add(Buf.in(f.ram.alloc(64, 16), 16));
            assertTrue(q.pop(chain));
            q.push(chain, firstLength + i);
            assertEquals(null, driver.pollUsed(), "buffer " + i + " is not the driver's before publish");
        }
        return ids;
    }
}
