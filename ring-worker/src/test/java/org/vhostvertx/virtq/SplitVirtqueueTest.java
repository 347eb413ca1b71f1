package org.vhostvertx.virtq;

import org.junit.jupiter.api.Test;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.DriverRing.Used;
import org.vhostvertx.test.frontend.SplitDriverRing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The split ring's 16-bit indexes and EVENT_IDX, driven by the test kit's driver ring. */
class SplitVirtqueueTest {

    static final long EVENT_IDX = Virtqueue.F_EVENT_IDX;

    @Test
    void indexesWrapFrom65535To0() {
        try (RingFixture f = new RingFixture()) {
            SplitDriverRing driver = new SplitDriverRing(f.ram, 8, false);
            driver.startAt(65534);
            Virtqueue q = f.device(driver, 0, 65534);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            for (int round = 0; round < 5; round++) {
                // avail/used idx go 65534, 65535, 0, 1, 2: each buffer comes back with its own id.
                int id = driver.add(Buf.out(buf, 100 + round));
                assertTrue(q.pop(chain), "round " + round);
                assertEquals(id, chain.id());
                assertEquals(100 + round, chain.writableLength());
                assertFalse(q.pop(chain), "one buffer only");
                q.push(chain, 10 + round);
                q.publish();
                assertEquals((65535 + round) & 0xffff, driver.usedIdx(), "used index after round " + round);
                Used u = driver.pollUsed();
                assertEquals(id, u.id());
                assertEquals(10 + round, u.len());
            }
            assertEquals((65534 + 5) & 0xffff, q.vringBase(), "GET_VRING_BASE reports the wrapped index");
        }
    }

    @Test
    void eventIdxCallsOnlyWhenTheUsedIndexPassesUsedEventAcrossTheWrap() {
        try (RingFixture f = new RingFixture()) {
            SplitDriverRing driver = new SplitDriverRing(f.ram, 8, true);
            driver.startAt(65533);
            Virtqueue q = f.device(driver, EVENT_IDX, 65533);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            // The driver wants a call once the used index passes 65535 (i.e. when it becomes 0).
            driver.setUsedEvent(65535);
            boolean[] called = new boolean[4];
            for (int i = 0; i < 4; i++) {
                driver.add(Buf.out(buf, 16));
                assertTrue(q.pop(chain));
                q.push(chain, 0);
                called[i] = q.publish();
            }
            // used idx after each publish: 65534, 65535, 0, 1: only the step 65535 -> 0 crosses used_event + 1.
            assertEquals("[false, false, true, false]", java.util.Arrays.toString(called));
        }
    }

    @Test
    void eventIdxCountsABurstAsOnePublicationThatMayCrossTheEvent() {
        try (RingFixture f = new RingFixture()) {
            SplitDriverRing driver = new SplitDriverRing(f.ram, 16, true);
            Virtqueue q = f.device(driver, EVENT_IDX, 0);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            driver.setUsedEvent(5);
            for (int i = 0; i < 10; i++) {
                driver.add(Buf.out(buf, 16));
                assertTrue(q.pop(chain));
                q.push(chain, 0);
            }
            assertTrue(q.publish(), "0 -> 10 passes used_event 5: one call");
            assertFalse(q.publish(), "nothing new: no call");
            driver.setUsedEvent(20);
            driver.add(Buf.out(buf, 16));
            assertTrue(q.pop(chain));
            q.push(chain, 0);
            assertFalse(q.publish(), "10 -> 11 does not reach used_event 20");
        }
    }

    @Test
    void withoutEventIdxTheNoInterruptFlagDecides() {
        try (RingFixture f = new RingFixture()) {
            SplitDriverRing driver = new SplitDriverRing(f.ram, 8, false);
            Virtqueue q = f.device(driver, 0, 0);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            driver.add(Buf.out(buf, 16));
            q.pop(chain);
            q.push(chain, 0);
            assertTrue(q.publish());
            driver.setAvailFlags(1);
            driver.add(Buf.out(buf, 16));
            q.pop(chain);
            q.push(chain, 0);
            assertFalse(q.publish(), "VIRTQ_AVAIL_F_NO_INTERRUPT");
        }
    }

    /**
     * publishUsed hands buffers over at once but decides nothing: the next publish decides for
     * everything since the last decision. The test driver re-arms used_event as it takes each
     * buffer (as Linux's does), so one that took the first group and then waits is called for
     * the second, and one that took everything is not called.
     */
    @Test
    void publishUsedShowsBuffersNowAndLeavesTheCallToPublish() {
        try (RingFixture f = new RingFixture()) {
            SplitDriverRing driver = new SplitDriverRing(f.ram, 16, true);
            Virtqueue q = f.device(driver, EVENT_IDX, 0);
            long buf = f.ram.alloc(4096, 16);
            DescriptorChain chain = new DescriptorChain();
            for (int group = 0; group < 2; group++) {
                for (int i = 0; i < 4; i++) {
                    driver.add(Buf.out(buf, 16));
                    assertTrue(q.pop(chain));
                    q.push(chain, 10 * group + i);
                }
                assertEquals(4 * group, driver.usedIdx(), "group " + group + " is not the driver's before publishUsed");
                q.publishUsed();
                assertEquals(4 * group + 4, driver.usedIdx(), "group " + group + " is the driver's after publishUsed");
                if (group == 0) {
                    for (int i = 0; i < 4; i++) {
                        assertEquals(i, driver.pollUsed().len());
                    }
                }
            }
            assertTrue(q.publish(), "the driver took 0..3 and asked for a call when index 4 is used: 0 -> 8 passes it");
            assertFalse(q.publish(), "nothing new: no call");
            for (int i = 0; i < 4; i++) {
                assertEquals(10 + i, driver.pollUsed().len());
            }
            driver.add(Buf.out(buf, 16));
            assertTrue(q.pop(chain));
            q.push(chain, 0);
            q.publishUsed();
            assertEquals(0, driver.pollUsed().len());
            assertFalse(q.publish(), "the driver took 8 already and asked for a call after it: no call");
        }
    }

    /**
     * With an inflight region, a head the driver makes available again while we hold it breaks
     * the queue with a message naming it (VirtqueueFuzzTest found an index error here): the
     * region keeps one record per head.
     */
    @Test
    void aHeadAvailableAgainWhileHeldIsRefusedWhenTracked() {
        try (RingFixture f = new RingFixture(); Arena arena = Arena.ofConfined()) {
            Tracked t = Tracked.open(f, arena);
            assertTrue(t.queue.pop(new DescriptorChain()));
            t.driver.publish(t.head);
            VirtqueueException e = assertThrows(VirtqueueException.class, () -> t.queue.pop(new DescriptorChain()));
            assertEquals("head " + t.head + " is available again while the device still holds it", e.getMessage());
        }
    }

    /** Once it came back and the driver saw it, the same head may be taken again. */
    @Test
    void aReturnedHeadMayComeAgainWhenTracked() {
        try (RingFixture f = new RingFixture(); Arena arena = Arena.ofConfined()) {
            Tracked t = Tracked.open(f, arena);
            DescriptorChain chain = new DescriptorChain();
            for (int round = 0; round < 3; round++) {
                assertTrue(t.queue.pop(chain), "round " + round);
                assertEquals(t.head, chain.id());
                t.queue.push(chain, 1);
                t.queue.publish();
                assertEquals(t.head, t.driver.pollUsed().id());
                t.driver.publish(t.head);
            }
        }
    }

    /** A split ring of 4 whose device side tracks an inflight region, with one buffer available at head. */
    private record Tracked(SplitDriverRing driver, Virtqueue queue, int head) {
        static Tracked open(RingFixture f, Arena arena) {
            SplitDriverRing driver = new SplitDriverRing(f.ram, 4, false);
            MemorySegment region = arena.allocate(Virtqueue.inflightBytes(4), 64);
            Virtqueue queue = f.device(driver, 0, 0, region);
            int head = driver.add(Buf.out(f.ram.alloc(4096, 16), 100));
            return new Tracked(driver, queue, head);
        }
    }
}
