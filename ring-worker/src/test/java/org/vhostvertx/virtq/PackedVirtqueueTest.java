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

    @Test
    void chainsOfOneAndTwoSlotsGoRoundTheRingManyTimes() {
        try (RingFixture f = new RingFixture()) {
            PackedDriverRing driver = new PackedDriverRing(f.ram, 4);
            Virtqueue q = f.device(driver, Virtqueue.F_RING_PACKED, driver.initialBase());
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
            Virtqueue q = f.device(driver, Virtqueue.F_RING_PACKED, driver.initialBase());
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
}
