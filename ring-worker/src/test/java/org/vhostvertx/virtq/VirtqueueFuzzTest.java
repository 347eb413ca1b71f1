package org.vhostvertx.virtq;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.GuestMemoryException;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.GuestRam;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The split and packed ring walkers over rings whose every byte the fuzzer chose: descriptor
 * table, available ring or event areas, indirect tables, the used index and the INFLIGHT_SHMFD
 * region a restarted back end trusts (either layout's). A device drives the queue the way handlers
 * and the worker do (pop, push what it popped, rewind its latest pops, publish or publishUsed,
 * notifications, a restart from {@link Virtqueue#vringBase()}), while the driver rewrites words of
 * its rings in between.
 *
 * <p>Properties: nothing but {@link VirtqueueException} or {@link GuestMemoryException} comes out
 * (either one breaks the queue, and the input ends there); every piece of a popped chain lies inside
 * a guest region, and its parts add up to the chain's lengths; a chain has at most the chain
 * limit's descriptors; the buffer id is a ring index; the in-flight count is what the device holds.
 * An endless walk would hang the input, which a campaign reports as a timeout.
 *
 * <p>In a plain build this replays the inputs under
 * {@code src/test/resources/org/vhostvertx/virtq/VirtqueueFuzzTestInputs}; {@code bin/fuzz split}
 * and {@code bin/fuzz packed} run campaigns.
 */
class VirtqueueFuzzTest {

    private static final long REGION = 8192;
    /**
     * Two small regions back to back (gpa 0 and 8 KiB), so buffers and tables may cross from one to
     * the other, then a large one (3 GiB, sparse and never touched here) as a guest of more than 2 GiB
     * has, where one descriptor may cover more than 2 GiB.
     */
    private static final GuestRam RAM = new GuestRam(0, REGION, REGION, 3L << 30);
    private static final GuestMemory MEMORY;
    private static final int MAX_SIZE = 64;
    private static final MemorySegment INFLIGHT = Arena.ofAuto().allocate(Virtqueue.inflightBytes(MAX_SIZE), 64);
    private static final int IOV_ENTRIES = 64;
    private static final MemorySegment IOV = Arena.ofAuto().allocate(16L * IOV_ENTRIES, 8);
    /** Chains the device may hold at once before it must give the oldest back. */
    private static final int HELD = 8;

    static {
        List<MemoryRegion> regions = new ArrayList<>();
        for (GuestRam.Region r : RAM.regions()) {
            regions.add(MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd()));
        }
        MEMORY = GuestMemory.of(regions);
    }

    @FuzzTest(maxDuration = "60s")
    void split(FuzzedDataProvider data) {
        drive(data, false);
    }

    @FuzzTest(maxDuration = "60s")
    void packed(FuzzedDataProvider data) {
        drive(data, true);
    }

    private static void drive(FuzzedDataProvider data, boolean packed) {
        int size = packed ? data.consumeInt(1, MAX_SIZE) : 1 << data.consumeInt(0, 6);
        long features = (data.consumeBoolean() ? Virtqueue.F_INDIRECT_DESC : 0)
                | (data.consumeBoolean() ? Virtqueue.F_EVENT_IDX : 0) | (packed ? Virtqueue.F_RING_PACKED : 0);
        // IN_ORDER changes only how a packed ring returns buffers (runs); asked of packed inputs only,
        // so the split inputs kept from before it mean what they meant.
        if (packed && data.consumeBoolean()) {
            features |= Virtqueue.F_IN_ORDER;
        }
        // blk and scsi promise seg_max + 2 = 1024, net the queue size; anything from 1 is legal.
        int maxChain = data.consumeBoolean() ? size : data.consumeInt(1, 1100);
        int base = packed ? data.consumeInt() : data.consumeInt(0, 0xffff);
        boolean tracked = data.consumeBoolean();
        boolean tame = data.consumeBoolean();
        // What the device does, one byte per step; their arguments come from the input's end.
        byte[] ops = data.consumeBytes(data.consumeInt(0, 64));

        // Ring layout: descriptors at 0, then the available ring (driver events), then the used ring.
        long desc = 0;
        long avail = 16L * size;
        long used = packed ? avail + 4 : (avail + 6 + 2L * size + 3) & ~3L;
        RAM.regions().get(0).mapping().fill((byte) 0);
        RAM.regions().get(1).mapping().fill((byte) 0);
        // Guest memory from the input's start, leaving bytes for the steps' arguments.
        int imageRoom = Math.max(0, data.remainingBytes() - 8 * ops.length);
        RAM.write(0, data.consumeBytes(data.consumeInt(0, (int) Math.min(2 * REGION, imageRoom))));
        if (tame) {
            // Keep the table's addresses in the small regions, the large one's start and just past them.
            for (int i = 0; i < size; i++) {
                MemorySegment d = RAM.at(desc + 16L * i, 8);
                d.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, d.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) & 0x4fff);
            }
        }
        MemorySegment inflight = null;
        if (tracked) {
            inflight = INFLIGHT.asSlice(0, Virtqueue.inflightBytes(size));
            inflight.fill((byte) 0);
            byte[] state = data.consumeBytes((int) inflight.byteSize());
            MemorySegment.copy(state, 0, inflight, ValueLayout.JAVA_BYTE, 0, state.length);
            if (data.consumeBoolean()) {
                // A region of this ring's shape, so that recovery trusts what it holds.
                inflight.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, features);
                inflight.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) 1);
                inflight.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) size);
            }
        }
        VringAddresses addresses = new VringAddresses(RAM.uva(desc), RAM.uva(avail), RAM.uva(used), 0, 0);
        try {
            Virtqueue q = Virtqueue.create(MEMORY, size, addresses, features, base, inflight, maxChain);
            ArrayDeque<DescriptorChain> held = new ArrayDeque<>();
            ArrayDeque<DescriptorChain> spare = new ArrayDeque<>();
            for (int i = 0; i < HELD; i++) {
                spare.add(new DescriptorChain(4));
            }
            int rewindable = 0;
            for (byte op : ops) {
                switch ((op & 0xff) % 9) {
                    case 0, 1, 2 -> {
                        if (spare.isEmpty()) {
                            DescriptorChain oldest = held.pollFirst();
                            q.push(oldest, 0);
                            spare.add(oldest);
                            rewindable = Math.min(rewindable, held.size());
                        }
                        DescriptorChain c = spare.poll();
                        if (q.pop(c)) {
                            check(c, size, maxChain);
                            held.addLast(c);
                            rewindable++;
                        } else {
                            spare.add(c);
                        }
                    }
                    case 3 -> {
                        // The oldest, or the newest: then no earlier pop may be rewound any more.
                        boolean oldest = data.consumeBoolean();
                        DescriptorChain c = oldest ? held.pollFirst() : held.pollLast();
                        if (c != null) {
                            long room = c.writableLength();
                            q.push(c, (int) Math.min(Integer.MAX_VALUE, data.consumeLong(0, room)));
                            spare.add(c);
                            rewindable = oldest ? Math.min(rewindable, held.size()) : 0;
                        }
                    }
                    case 4 -> {
                        if (rewindable > 0 && !tracked) {
                            DescriptorChain c = held.pollLast();
                            q.rewind(c);
                            spare.add(c);
                            rewindable--;
                        }
                    }
                    case 5 -> {
                        // A handler handing buffers over early, or the worker's round ending.
                        if ((op & 0x80) != 0) {
                            q.publishUsed();
                        } else {
                            q.publish();
                        }
                    }
                    case 6 -> {
                        if (data.consumeBoolean()) {
                            q.enableNotifications();
                        } else {
                            q.disableNotifications();
                        }
                        q.hasAvailable();
                    }
                    case 7 -> {
                        // The driver rewrites a word of its rings.
                        long at = data.consumeLong(0, used + (packed ? 2 : 4 + 8L * size));
                        RAM.at(at, 2).set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, data.consumeShort());
                    }
                    default -> {
                        // Stopped (GET_VRING_BASE) and started again from the base, as after a reconnect.
                        q.publish();
                        int b = q.vringBase();
                        q = Virtqueue.create(MEMORY, size, addresses, features, b, inflight, maxChain);
                        spare.addAll(held);
                        held.clear();
                        rewindable = 0;
                    }
                }
                assertEquals(held.size(), q.inFlight(), "buffers the device holds");
            }
        } catch (VirtqueueException | GuestMemoryException broken) {
            // The driver broke a rule: the queue fails, and that is all.
        }
    }

    /** A popped chain: its pieces inside guest memory and adding up, at most maxChain descriptors. */
    private static void check(DescriptorChain c, int size, int maxChain) {
        assertTrue(c.id() >= 0 && c.id() < size, "buffer id " + c.id() + " in a ring of " + size);
        int pieces = checkPart(c, false, c.readableLength()) + checkPart(c, true, c.writableLength());
        // A descriptor is at most four pieces here: one in each small region, and two in the large one,
        // since a piece is shorter than 2 GiB and 3 GiB - 16 KiB hold no more than two such.
        assertTrue(pieces <= 4L * maxChain, pieces + " pieces in a chain of at most " + maxChain + " descriptors");
    }

    private static int checkPart(DescriptorChain c, boolean writable, long length) {
        long pos = 0;
        int pieces = 0;
        while (pos < length) {
            int k = c.iovecs(writable, pos, length - pos, IOV, IOV_ENTRIES);
            assertTrue(k > 0, "no piece at " + pos + " of " + length);
            for (int i = 0; i < k; i++) {
                long addr = IOV.get(ValueLayout.JAVA_LONG, 16L * i);
                long len = IOV.get(ValueLayout.JAVA_LONG, 16L * i + 8);
                assertTrue(len > 0 && inGuest(addr, len), String.format("piece 0x%x+%d outside guest memory", addr, len));
                pos += len;
            }
            pieces += k;
        }
        assertEquals(length, pos, (writable ? "writable" : "readable") + " part");
        return pieces;
    }

    /** Inside one region as the back end mapped it (its own mapping of the driver's memfd). */
    private static boolean inGuest(long addr, long len) {
        for (MemoryRegion r : MEMORY.regions()) {
            long start = r.segment().address();
            if (addr >= start && addr + len <= start + r.size()) {
                return true;
            }
        }
        return false;
    }
}
