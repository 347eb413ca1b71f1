package org.vhostvertx.virtq;

import org.junit.jupiter.api.Test;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.DriverRing.Used;
import org.vhostvertx.test.frontend.PackedDriverRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
     * With IN_ORDER, buffers returned without data go back as one used descriptor per run: at the
     * run's first slot with its last id, the slots after it untouched. A buffer with data ends a
     * run and has its own descriptor; runs cross the ring's end; a driver that knows IN_ORDER gets
     * every buffer back in order.
     */
    @Test
    void withInOrderARunOfBuffersWithoutDataIsOneUsedDescriptor() {
        try (RingFixture f = new RingFixture()) {
            PackedDriverRing driver = new PackedDriverRing(f.ram, 8, true);
            Virtqueue q = f.device(driver, Virtqueue.F_RING_PACKED | Virtqueue.F_IN_ORDER, driver.initialBase());
            DescriptorChain chain = new DescriptorChain();
            // Round 0 fills slots 0..6; round 1 starts at slot 7 and crosses the ring's end.
            for (int round = 0; round < 2; round++) {
                int first = round == 0 ? 0 : 7;
                int[] ids = new int[7];
                for (int i = 0; i < ids.length; i++) {
                    // Buffer 3 is the one the device writes into.
                    ids[i] = i == 3 ? driver.add(Buf.out(f.ram.alloc(64, 16), 64)) : driver.add(Buf.in(f.ram.alloc(64, 16), 16));
                }
                long[] before = new long[8];
                for (int slot = 0; slot < 8; slot++) {
                    before[slot] = usedPartAt(f, driver, slot);
                }
                for (int i = 0; i < ids.length; i++) {
                    assertTrue(q.pop(chain));
                    q.push(chain, i == 3 ? 40 : 0);
                }
                q.publish();
                // Runs: buffers 0..2 (one descriptor at their first slot, id of buffer 2), buffer 3
                // alone, buffers 4..6 (at buffer 4's slot, id of buffer 6).
                assertEquals(ids[2], idAt(f, driver, first), "round " + round + ": the first run's descriptor");
                assertEquals(ids[3], idAt(f, driver, (first + 3) % 8), "round " + round + ": the written buffer's");
                assertEquals(ids[6], idAt(f, driver, (first + 4) % 8), "round " + round + ": the second run's");
                for (int slot : new int[]{first + 1, first + 2, first + 5, first + 6}) {
                    assertEquals(before[slot % 8], usedPartAt(f, driver, slot % 8),
                            "round " + round + ": slot " + slot % 8 + " inside a run is left as the driver wrote it");
                }
                for (int i = 0; i < ids.length; i++) {
                    Used u = driver.pollUsed();
                    assertEquals(ids[i], u.id(), "round " + round + ", buffer " + i);
                    assertEquals(i == 3 ? 40 : 0, u.len());
                }
                assertEquals(null, driver.pollUsed());
            }
            assertEquals(6 | (6 << 16), q.vringBase(), "14 slots on a ring of 8: position 6, both wrap counters 0");
        }
    }

    /**
     * publishUsed hands the buffers pushed so far over at once (a pending in-order run included)
     * but decides nothing: the next publish decides for everything since the last decision, so a
     * descriptor event passed by an early publication still gets its call.
     */
    @Test
    void publishUsedShowsBuffersNowAndLeavesTheCallToPublish() {
        try (RingFixture f = new RingFixture()) {
            PackedDriverRing driver = new PackedDriverRing(f.ram, 16, true);
            Virtqueue q = f.device(driver, Virtqueue.F_RING_PACKED | Virtqueue.F_IN_ORDER, driver.initialBase());
            MemorySegment driverEvent = f.ram.at(driver.driverGpa(), 4);
            // Call me once the descriptor at slot 2 (first lap: wrap counter 1) is used.
            driverEvent.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (2 | 0x8000));
            driverEvent.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2, (short) PackedVirtqueue.EVENT_DESC);
            DescriptorChain chain = new DescriptorChain();
            for (int group = 0; group < 2; group++) {
                int[] ids = new int[3];
                for (int i = 0; i < ids.length; i++) {
                    // Transmit-like buffers: nothing written, so each group is one in-order run.
                    ids[i] = driver.add(Buf.in(f.ram.alloc(64, 16), 16));
                    assertTrue(q.pop(chain));
                    q.push(chain, 0);
                }
                assertEquals(null, driver.pollUsed(), "group " + group + " is not the driver's before publishUsed");
                q.publishUsed();
                for (int id : ids) {
                    assertEquals(id, driver.pollUsed().id(), "group " + group + " is the driver's after publishUsed");
                }
                assertEquals(null, driver.pollUsed());
            }
            assertTrue(q.publish(), "slots 0..5 passed the event at slot 2, though they went back in two steps");
            assertFalse(q.publish(), "nothing new: no call");
            driverEvent.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (12 | 0x8000));
            driver.add(Buf.in(f.ram.alloc(64, 16), 16));
            assertTrue(q.pop(chain));
            q.push(chain, 0);
            q.publishUsed();
            assertFalse(q.publish(), "slot 6 does not reach the event at slot 12");
        }
    }

    /** The buffer id in the used descriptor at slot. */
    private static int idAt(RingFixture f, PackedDriverRing driver, int slot) {
        return (int) (usedPartAt(f, driver, slot) >>> 32) & 0xffff;
    }

    /** The length, id and flags of the descriptor at slot (what a used descriptor sets), as one word. */
    private static long usedPartAt(RingFixture f, PackedDriverRing driver, int slot) {
        return f.ram.at(driver.descGpa() + 16L * slot + 8, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
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
