package org.vhostvertx.virtq;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.DriverRing.Used;
import org.vhostvertx.test.frontend.PackedDriverRing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * INFLIGHT_SHMFD on a packed ring: the region's layout, and a back end killed at every step of
 * taking and returning a buffer. Each restart hands the queue the ring's initial base, the stale
 * one QEMU sends after a crash, so only the region can say where the ring stands.
 *
 * <p>A death inside a return is played by the test: it restarts on the region as a back end would,
 * then does the queue's part of the return (region, used descriptor into the ring, region) up to the
 * chosen point, or leaves a region exactly as a kill between two of its stores would.
 */
class PackedInflightTest {

    static final long FEATURES = Virtqueue.F_RING_PACKED | 1L << 32;
    static final int SIZE = 8;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private RingFixture f;
    private PackedDriverRing driver;
    private Arena arena;
    private MemorySegment region;
    private long buf;
    /** The request each outstanding buffer id carries; a request's writable length is its number. */
    private final Map<Integer, Integer> requestOfId = new HashMap<>();
    private final Map<Integer, Integer> completions = new HashMap<>();
    private int requests;

    @BeforeEach
    void setUp() {
        f = new RingFixture();
        driver = new PackedDriverRing(f.ram, SIZE);
        arena = Arena.ofConfined();
        region = arena.allocate(Virtqueue.inflightBytes(SIZE), 64);
        buf = f.ram.alloc(1 << 16, 16);
    }

    @AfterEach
    void tearDown() {
        arena.close();
        f.close();
    }

    /** The back end (re)starts on the region with the base QEMU sends after a crash. */
    private Virtqueue start() {
        return f.device(driver, FEATURES, driver.initialBase(), region);
    }

    /** Makes a request available: a readable header and, with two, a writable part of its number's length. */
    private int submit(boolean two) {
        int request = ++requests;
        int id = two ? driver.add(Buf.in(buf, 16), Buf.out(buf + 16, request))
                : driver.add(Buf.out(buf + 16, request));
        requestOfId.put(id, request);
        return id;
    }

    private static int popId(Virtqueue q, DescriptorChain c) {
        assertTrue(q.pop(c), "a buffer to take");
        return c.id();
    }

    /** Completes every buffer the driver sees used, checking that each request comes back once. */
    private List<Integer> collect() {
        List<Integer> ids = new ArrayList<>();
        Used u;
        while ((u = driver.pollUsed()) != null) {
            Integer request = requestOfId.remove(u.id());
            assertTrue(request != null && request == u.len(), "used id " + u.id() + " len " + u.len()
                    + " is not an outstanding request");
            completions.merge(request, 1, Integer::sum);
            ids.add(u.id());
        }
        return ids;
    }

    /** Takes and returns everything the queue offers, in order; returns the ids served. */
    private static List<Integer> serveAll(Virtqueue q) {
        List<Integer> served = new ArrayList<>();
        DescriptorChain c = new DescriptorChain();
        while (q.pop(c)) {
            served.add(c.id());
            q.push(c, (int) c.writableLength());
        }
        q.publish();
        return served;
    }

    private int ringFlags(int index) {
        return Short.toUnsignedInt(f.ram.at(driver.descGpa() + 16L * index + 14, 2).get(U16, 0));
    }

    private int u16(long offset) {
        return Short.toUnsignedInt(region.get(U16, offset));
    }

    /** Where a back end dies while returning a buffer. */
    enum Death {
        /** The used position stored, free_head not yet: nothing of the return counts. */
        POSITION_STORED,
        /** The region says a return is under way; the used descriptor is not in the ring. */
        BEFORE_RING,
        /** The used descriptor is in the ring; the region not updated after it. */
        AFTER_RING,
        /** As AFTER_RING, and the driver already reused the slot for a new buffer. */
        AFTER_RING_SLOT_REUSED,
        /** The buffer's in-flight flag cleared, the old fields not yet copied. */
        FLAG_CLEARED,
        /** The old used index copied, the old free head not yet. */
        OLD_INDEX_COPIED,
        /** The return complete. */
        DONE;

        boolean returned() {
            return compareTo(AFTER_RING) >= 0;
        }
    }

    /**
     * A back end restarts on the region (nothing under way) and dies returning buffer id of slots
     * descriptors at the given point.
     */
    private void dieReturning(int id, int slots, Death death) {
        PackedInflightRegion r = new PackedInflightRegion(region, SIZE, FEATURES);
        assertFalse(r.fresh());
        PackedInflightRegion.Recovery at = r.recover(this::ringFlags);
        int next = at.usedIdx() + slots;
        boolean wrap = at.usedWrap();
        if (next >= SIZE) {
            next -= SIZE;
            wrap = !wrap;
        }
        if (death == Death.POSITION_STORED) {
            region.set(U16, 16, (short) next);
            region.set(ValueLayout.JAVA_BYTE, 20, (byte) (wrap ? 1 : 0));
            return;
        }
        r.returning(id, next, wrap);
        if (death == Death.BEFORE_RING) {
            return;
        }
        MemorySegment d = f.ram.at(driver.descGpa() + 16L * at.usedIdx(), 16);
        d.set(ValueLayout.JAVA_INT_UNALIGNED, 8, requestOfId.get(id));
        d.set(U16, 12, (short) id);
        int usedFlags = PackedVirtqueue.DESC_F_WRITE
                | (at.usedWrap() ? PackedVirtqueue.DESC_F_AVAIL | PackedVirtqueue.DESC_F_USED : 0);
        d.set(U16, 14, (short) usedFlags);
        switch (death) {
            case AFTER_RING -> {
            }
            case AFTER_RING_SLOT_REUSED -> {
                assertEquals(List.of(id), collect());
                // A new buffer in the freed slot, in the ring's next lap.
                for (int i = 0; i < SIZE && driver.free() > 0; i++) {
                    submit(false);
                }
            }
            case FLAG_CLEARED, OLD_INDEX_COPIED -> {
                int head = u16(12);
                region.set(ValueLayout.JAVA_BYTE, 32 + 32L * head, (byte) 0);
                if (death == Death.OLD_INDEX_COPIED) {
                    region.set(U16, 18, (short) next);
                    region.set(ValueLayout.JAVA_BYTE, 21, (byte) (wrap ? 1 : 0));
                }
            }
            default -> r.returned();
        }
    }

    @Test
    void theRegionIsLaidOutAsVhostUserDefinesIt() {
        assertEquals(64 * 5, PackedInflightRegion.queueBytes(8), "32-byte header and 32-byte entries, to 64");
        assertEquals(64, PackedInflightRegion.queueBytes(1));
        assertEquals(PackedInflightRegion.queueBytes(256), Virtqueue.inflightBytes(256), "room for either layout");
        Virtqueue q = start();
        int id = submit(true);
        DescriptorChain c = new DescriptorChain();
        popId(q, c);
        assertEquals(FEATURES, region.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "features");
        assertEquals(1, u16(8), "version");
        assertEquals(SIZE, u16(10), "desc_num");
        assertEquals(2, u16(12), "free_head: past the two entries taken");
        assertEquals(2, u16(14), "old_free_head");
        assertEquals(0, u16(16), "used_idx");
        assertEquals(0, u16(18), "old_used_idx");
        assertEquals(1, region.get(ValueLayout.JAVA_BYTE, 20), "used_wrap_counter of a new ring");
        assertEquals(1, region.get(ValueLayout.JAVA_BYTE, 21), "old_used_wrap_counter");
        long e0 = 32;
        long e1 = 64;
        assertEquals(1, region.get(ValueLayout.JAVA_BYTE, e0), "inflight of the head entry");
        assertEquals(1, u16(e0 + 2), "next: the chain's second entry");
        assertEquals(1, u16(e0 + 4), "last");
        assertEquals(2, u16(e0 + 6), "num");
        assertEquals(1, region.get(ValueLayout.JAVA_LONG_UNALIGNED, e0 + 8), "counter");
        assertEquals(id, u16(e0 + 16), "id");
        assertEquals(PackedVirtqueue.DESC_F_AVAIL | PackedVirtqueue.DESC_F_NEXT, u16(e0 + 18), "flags as in the ring");
        assertEquals(16, region.get(ValueLayout.JAVA_INT_UNALIGNED, e0 + 20), "len");
        assertEquals(buf, region.get(ValueLayout.JAVA_LONG_UNALIGNED, e0 + 24), "addr");
        assertEquals(0, region.get(ValueLayout.JAVA_BYTE, e1), "a chain's other entries are not heads");
        assertEquals(buf + 16, region.get(ValueLayout.JAVA_LONG_UNALIGNED, e1 + 24));
        assertEquals(1, region.get(ValueLayout.JAVA_INT_UNALIGNED, e1 + 20));

        q.push(c, 1);
        assertEquals(0, region.get(ValueLayout.JAVA_BYTE, e0), "returned: not in flight");
        assertEquals(0, u16(12), "its entries back at the free list's head");
        assertEquals(0, u16(14));
        assertEquals(2, u16(16), "used_idx past the buffer's two slots");
        assertEquals(2, u16(18));
    }

    @Test
    void outOfOrderCompletionsAreResubmittedOnceOldestFirstDespiteAStaleBase() {
        Virtqueue q = start();
        int a = submit(true);
        int b = submit(false);
        int c = submit(true);
        DescriptorChain ca = new DescriptorChain();
        DescriptorChain cb = new DescriptorChain();
        DescriptorChain cc = new DescriptorChain();
        popId(q, ca);
        popId(q, cb);
        popId(q, cc);
        q.push(cb, (int) cb.writableLength());
        q.publish();
        assertEquals(List.of(b), collect());
        // The device dies holding a and c; the used descriptor of b overwrote a's first descriptor.
        int d = submit(false);

        Virtqueue again = start();
        assertEquals(List.of(a, c, d), serveAll(again), "in flight first, oldest first, then the new one");
        assertEquals(List.of(a, c, d), collect());
        assertFalse(again.hasAvailable());
        int e = submit(true);
        assertEquals(List.of(e), serveAll(again), "the ring goes on where the region said");
        assertEquals(List.of(e), collect());
    }

    @ParameterizedTest
    @EnumSource(Death.class)
    void aBackEndKilledWhileReturningABufferReturnsItExactlyOnce(Death death) {
        Virtqueue q = start();
        // Round the ring's end once first, so the buffers in flight straddle it.
        for (int i = 0; i < 3; i++) {
            submit(true);
        }
        serveAll(q);
        collect();
        int a = submit(true);
        int b = submit(false);
        int c = submit(true);
        DescriptorChain chain = new DescriptorChain();
        popId(q, chain);
        popId(q, chain);
        popId(q, chain);
        int requestB = requestOfId.get(b);
        // The back end dies holding a, b and c, restarts, and dies again returning b.
        dieReturning(b, 1, death);
        collect();
        assertEquals(death.returned() ? 1 : 0, completions.getOrDefault(requestB, 0), "b seen by the driver");

        Virtqueue again = start();
        List<Integer> expected = new ArrayList<>(List.of(a, c));
        if (!death.returned()) {
            expected.add(1, b);
        }
        List<Integer> served = serveAll(again);
        assertEquals(expected, served.subList(0, expected.size()), "exactly the buffers not returned, oldest first");
        collect();
        assertTrue(requestOfId.isEmpty(), "outstanding after the restart: " + requestOfId);
        int more = submit(true);
        assertEquals(List.of(more), serveAll(again));
        collect();
        completions.forEach((request, n) -> assertEquals(1, n, "completions of request " + request));
        assertEquals(requests, completions.size(), "every request completed");
    }

    @Test
    void aBackEndKilledWhileTakingABufferTakesItAgainFromTheRing() {
        Virtqueue q = start();
        int a = submit(false);
        DescriptorChain chain = new DescriptorChain();
        popId(q, chain);
        int b = submit(true);
        // Restart, then die taking b: free_head moved past its entries, its head not yet marked.
        PackedInflightRegion r = new PackedInflightRegion(region, SIZE, FEATURES);
        r.recover(this::ringFlags);
        int oldFreeHead = u16(14);
        r.beginTake();
        for (int i = 1; i <= 2; i++) {
            long at = driver.descGpa() + 16L * i;
            MemorySegment d = f.ram.at(at, 16);
            r.record(d.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), d.get(ValueLayout.JAVA_INT_UNALIGNED, 8),
                    Short.toUnsignedInt(d.get(U16, 12)), Short.toUnsignedInt(d.get(U16, 14)));
        }
        r.taken(b);
        region.set(ValueLayout.JAVA_BYTE, 32 + 32L * oldFreeHead, (byte) 0);
        region.set(U16, 14, (short) oldFreeHead);

        assertEquals(List.of(a, b), serveAll(start()), "a again, b from the ring, each once");
        assertEquals(List.of(a, b), collect());
    }

    @Test
    void manyDeathsAtEveryStepAcrossTheRingEndLoseAndRepeatNothing() {
        Random random = new Random(42);
        Death[] deaths = Death.values();
        for (int round = 0; round < 300; round++) {
            Virtqueue q = start();
            while (driver.free() >= 2 && random.nextInt(4) != 0) {
                submit(random.nextBoolean());
            }
            List<DescriptorChain> held = new ArrayList<>();
            for (int k = random.nextInt(5); k > 0; k--) {
                DescriptorChain c = new DescriptorChain();
                if (!q.pop(c)) {
                    break;
                }
                held.add(c);
            }
            // Out of order: a random part of what it holds.
            for (int k = random.nextInt(held.size() + 1); k > 0; k--) {
                DescriptorChain c = held.remove(random.nextInt(held.size()));
                q.push(c, (int) c.writableLength());
            }
            q.publish();
            collect();
            if (!held.isEmpty() && random.nextBoolean()) {
                DescriptorChain c = held.get(random.nextInt(held.size()));
                dieReturning(c.id(), c.ringSlots(), deaths[random.nextInt(deaths.length)]);
                collect();
            }
        }
        serveAll(start());
        collect();
        assertTrue(requestOfId.isEmpty(), "never completed: " + requestOfId);
        assertEquals(requests, completions.size());
        completions.forEach((request, n) -> assertEquals(1, n, "completions of request " + request));
        assertTrue(requests > 300, requests + " requests");
    }

    @Test
    void aRegionOfAnotherShapeIsStartedFreshFromTheBase() {
        Virtqueue q = start();
        submit(false);
        DescriptorChain c = new DescriptorChain();
        popId(q, c);
        q.push(c, 1);
        q.publish();
        collect();
        // Left by a split ring (no RING_PACKED in its features): the base decides.
        region.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1L << 32);
        int id = submit(false);
        Virtqueue again = f.device(driver, FEATURES, q.vringBase(), region);
        assertEquals(FEATURES, region.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), "laid out for this ring");
        assertEquals(1, u16(16), "at the base's used position");
        assertEquals(List.of(id), serveAll(again));
        assertEquals(List.of(id), collect());
    }

    @Test
    void aRegionTooSmallOrInconsistentIsRefusedWithAReason() {
        VirtqueueException small = assertThrows(VirtqueueException.class, () -> f.device(driver, FEATURES,
                driver.initialBase(), region.asSlice(0, 16 + 16L * SIZE)));
        assertTrue(small.getMessage().contains("needs " + (32 + 32 * SIZE)), small.getMessage());

        Virtqueue q = start();
        submit(true);
        popId(q, new DescriptorChain());
        region.set(U16, 32 + 6, (short) 9);
        VirtqueueException count = assertThrows(VirtqueueException.class, this::start);
        assertTrue(count.getMessage().contains("inconsistent"), count.getMessage());
        region.set(U16, 32 + 6, (short) 2);
        region.set(U16, 32 + 2, (short) 200);
        VirtqueueException link = assertThrows(VirtqueueException.class, this::start);
        assertTrue(link.getMessage().contains("out of range"), link.getMessage());
    }

    @Test
    void aTrackedQueueCannotRewind() {
        Virtqueue q = start();
        submit(false);
        DescriptorChain c = new DescriptorChain();
        popId(q, c);
        assertThrows(IllegalStateException.class, () -> q.rewind(c));
        assertNull(driver.pollUsed());
    }
}
