package org.vhostvertx.test.frontend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/** A packed ring as a driver runs it (virtio 1.2 §2.8). */
public final class PackedDriverRing implements DriverRing {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final int NEXT = 1;
    static final int WRITE = 2;
    static final int INDIRECT = 4;
    static final int AVAIL = 1 << 7;
    static final int USED = 1 << 15;

    private final int n;
    private final GuestRam ram;
    private final long descGpa;
    private final long driverGpa;
    private final long deviceGpa;
    private final MemorySegment ring;
    private final MemorySegment deviceEvent;
    private final long indirectTables;
    private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
    private final int[] slots;
    private int freeSlots;
    private int availIdx;
    private boolean availWrap = true;
    private int usedIdx;
    private boolean usedWrap = true;
    /** IN_ORDER negotiated: one used descriptor may return a run of buffers (virtio 1.2 §2.8.9). */
    private final boolean inOrder;
    /** The ids of the buffers made available and not used yet, oldest first (kept when inOrder). */
    private final ArrayDeque<Integer> outstanding = new ArrayDeque<>();
    /** Buffers of a run already seen in the ring, still to hand out by pollUsed. */
    private final ArrayDeque<Used> run = new ArrayDeque<>();

    public PackedDriverRing(GuestRam ram, int size) {
        this(ram, size, false);
    }

    public PackedDriverRing(GuestRam ram, int size, boolean inOrder) {
        this.inOrder = inOrder;
        this.ram = ram;
        this.n = size;
        this.descGpa = ram.alloc(16L * size, 16);
        this.driverGpa = ram.alloc(4, 4);
        this.deviceGpa = ram.alloc(4, 4);
        this.ring = ram.at(descGpa, 16L * size);
        this.deviceEvent = ram.at(deviceGpa, 4);
        this.indirectTables = ram.alloc(16L * 16 * size, 16);
        this.slots = new int[size];
        this.freeSlots = size;
        for (int i = 0; i < size; i++) {
            freeIds.add(i);
        }
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public int free() {
        return Math.min(freeIds.size(), freeSlots);
    }

    private int flagsFor(boolean wrap) {
        return wrap ? AVAIL : USED;
    }

    @Override
    public int add(Buf... bufs) {
        if (bufs.length > freeSlots || freeIds.isEmpty()) {
            throw new IllegalStateException("ring full");
        }
        int id = freeIds.poll();
        int first = availIdx;
        int firstFlags = 0;
        int idx = availIdx;
        boolean wrap = availWrap;
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            long at = 16L * idx;
            ring.set(U64, at, bufs[i].gpa());
            ring.set(U32, at + 8, bufs[i].len());
            ring.set(U16, at + 12, (short) id);
            int flags = (bufs[i].writable() ? WRITE : 0) | (last ? 0 : NEXT) | flagsFor(wrap);
            if (i == 0) {
                firstFlags = flags;
            } else {
                ring.set(U16, at + 14, (short) flags);
            }
            if (++idx == n) {
                idx = 0;
                wrap = !wrap;
            }
        }
        slots[id] = bufs.length;
        freeSlots -= bufs.length;
        outstanding.add(id);
        availIdx = idx;
        availWrap = wrap;
        // The first descriptor's flags publish the whole chain.
        VarHandle.releaseFence();
        ring.set(U16, 16L * first + 14, (short) firstFlags);
        return id;
    }

    @Override
    public int addIndirect(Buf... bufs) {
        int id = freeIds.peek();
        long table = indirectTables + 256L * id;
        MemorySegment t = ram.at(table, 16L * bufs.length);
        for (int i = 0; i < bufs.length; i++) {
            t.set(U64, 16L * i, bufs[i].gpa());
            t.set(U32, 16L * i + 8, bufs[i].len());
            t.set(U16, 16L * i + 12, (short) 0);
            t.set(U16, 16L * i + 14, (short) (bufs[i].writable() ? WRITE : 0));
        }
        return addRaw(table, 16 * bufs.length, INDIRECT);
    }

    /** Makes one descriptor available exactly as given (flags other than AVAIL/USED). */
    public int addRaw(long addr, int len, int flags) {
        int id = freeIds.poll();
        long at = 16L * availIdx;
        ring.set(U64, at, addr);
        ring.set(U32, at + 8, len);
        ring.set(U16, at + 12, (short) id);
        slots[id] = 1;
        freeSlots -= 1;
        outstanding.add(id);
        int f = flags | flagsFor(availWrap);
        if (++availIdx == n) {
            availIdx = 0;
            availWrap = !availWrap;
        }
        VarHandle.releaseFence();
        ring.set(U16, at + 14, (short) f);
        return id;
    }

    @Override
    public boolean needsKick() {
        VarHandle.fullFence();
        return (deviceEvent.get(U16, 2) & 3) != 1;
    }

    @Override
    public Used pollUsed() {
        if (!run.isEmpty()) {
            return run.poll();
        }
        long at = 16L * usedIdx;
        int flags = Short.toUnsignedInt(ring.get(U16, at + 14));
        boolean a = (flags & AVAIL) != 0;
        boolean u = (flags & USED) != 0;
        if (a != usedWrap || u != usedWrap) {
            return null;
        }
        VarHandle.acquireFence();
        int id = Short.toUnsignedInt(ring.get(U16, at + 12));
        int len = ring.get(U32, at + 8);
        if (!inOrder) {
            outstanding.remove(id);
            return release(id, len);
        }
        // In order: the descriptor returns every buffer from the oldest outstanding up to id.
        if (!outstanding.contains(id)) {
            throw new IllegalStateException("used id " + id + " is not outstanding: " + outstanding);
        }
        while (true) {
            int next = outstanding.poll();
            run.add(release(next, next == id ? len : 0));
            if (next == id) {
                return run.poll();
            }
        }
    }

    /** Gives buffer id's slots back and skips them in the ring. */
    private Used release(int id, int len) {
        usedIdx += slots[id];
        if (usedIdx >= n) {
            usedIdx -= n;
            usedWrap = !usedWrap;
        }
        freeSlots += slots[id];
        freeIds.add(id);
        return new Used(id, len);
    }

    @Override
    public long descGpa() {
        return descGpa;
    }

    @Override
    public long driverGpa() {
        return driverGpa;
    }

    @Override
    public long deviceGpa() {
        return deviceGpa;
    }

    @Override
    public int initialBase() {
        return 0x8000 | (0x8000 << 16);
    }
}
