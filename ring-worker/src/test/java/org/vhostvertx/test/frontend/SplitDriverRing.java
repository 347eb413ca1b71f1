package org.vhostvertx.test.frontend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;

/** A split ring as a driver runs it (virtio 1.2 §2.7), with EVENT_IDX when negotiated. */
public final class SplitDriverRing implements DriverRing {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final int NEXT = 1;
    static final int WRITE = 2;
    static final int INDIRECT = 4;

    private final int n;
    private final boolean eventIdx;
    private final long descGpa;
    private final long availGpa;
    private final long usedGpa;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final long indirectTables;
    private final GuestRam ram;
    private final ArrayDeque<Integer> freeDescs = new ArrayDeque<>();
    private final int[] chainLength;
    private int availIdx;
    private int kickedAt;
    private int lastUsed;

    public SplitDriverRing(GuestRam ram, int size, boolean eventIdx) {
        this.ram = ram;
        this.n = size;
        this.eventIdx = eventIdx;
        this.descGpa = ram.alloc(16L * size, 16);
        this.availGpa = ram.alloc(6 + 2L * size, 2);
        this.usedGpa = ram.alloc(6 + 8L * size, 4);
        this.desc = ram.at(descGpa, 16L * size);
        this.avail = ram.at(availGpa, 6 + 2L * size);
        this.used = ram.at(usedGpa, 6 + 8L * size);
        this.indirectTables = ram.alloc(16L * 16 * size, 16);
        this.chainLength = new int[size];
        for (int i = 0; i < size; i++) {
            freeDescs.add(i);
        }
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public int free() {
        return freeDescs.size();
    }

    @Override
    public int add(Buf... bufs) {
        if (bufs.length > freeDescs.size()) {
            throw new IllegalStateException("ring full");
        }
        int[] ids = new int[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            ids[i] = freeDescs.poll();
        }
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            writeDesc(ids[i], bufs[i].gpa(), bufs[i].len(),
                    (bufs[i].writable() ? WRITE : 0) | (last ? 0 : NEXT), last ? 0 : ids[i + 1]);
        }
        chainLength[ids[0]] = bufs.length;
        publish(ids[0]);
        return ids[0];
    }

    @Override
    public int addIndirect(Buf... bufs) {
        if (bufs.length > 16) {
            throw new IllegalArgumentException("at most 16 buffers in a test indirect table");
        }
        int head = freeDescs.poll();
        long table = indirectTables + 256L * head;
        MemorySegment t = ram.at(table, 16L * bufs.length);
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            t.set(U64, 16L * i, bufs[i].gpa());
            t.set(U32, 16L * i + 8, bufs[i].len());
            t.set(U16, 16L * i + 12, (short) ((bufs[i].writable() ? WRITE : 0) | (last ? 0 : NEXT)));
            t.set(U16, 16L * i + 14, (short) (last ? 0 : i + 1));
        }
        writeDesc(head, table, 16 * bufs.length, INDIRECT, 0);
        chainLength[head] = 1;
        publish(head);
        return head;
    }

    /** Writes descriptor i as given (for malformed chains too). */
    public void writeDesc(int i, long addr, int len, int flags, int next) {
        desc.set(U64, 16L * i, addr);
        desc.set(U32, 16L * i + 8, len);
        desc.set(U16, 16L * i + 12, (short) flags);
        desc.set(U16, 16L * i + 14, (short) next);
    }

    /** Puts head into the available ring and publishes it. */
    public void publish(int head) {
        avail.set(U16, 4 + 2L * (availIdx % n), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        VarHandle.releaseFence();
        avail.set(U16, 2, (short) availIdx);
    }

    /** Sets the available index to anything (to make it jump past the ring). */
    public void setAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        VarHandle.releaseFence();
        avail.set(U16, 2, (short) availIdx);
    }

    /**
     * Starts both indexes at idx instead of 0, as a ring that has run for a while (65534 to see
     * them wrap soon); the device must then be started with base idx.
     */
    public void startAt(int idx) {
        availIdx = idx & 0xffff;
        kickedAt = availIdx;
        lastUsed = availIdx;
        avail.set(U16, 2, (short) availIdx);
        used.set(U16, 2, (short) availIdx);
    }

    /** Sets avail.flags (1: VIRTQ_AVAIL_F_NO_INTERRUPT). */
    public void setAvailFlags(int flags) {
        avail.set(U16, 0, (short) flags);
    }

    /** Sets used_event (EVENT_IDX): the device calls when its used index passes it. */
    public void setUsedEvent(int idx) {
        avail.set(U16, 4 + 2L * n, (short) idx);
    }

    /** The device's used index as published now. */
    public int usedIdx() {
        return Short.toUnsignedInt(used.get(U16, 2));
    }

    /** Takes a free descriptor slot for a hand-made chain. */
    public int takeDesc() {
        return freeDescs.poll();
    }

    @Override
    public boolean needsKick() {
        VarHandle.fullFence();
        int old = kickedAt;
        kickedAt = availIdx;
        if (eventIdx) {
            int availEvent = Short.toUnsignedInt(used.get(U16, 4 + 8L * n));
            return ((availIdx - availEvent - 1) & 0xffff) < ((availIdx - old) & 0xffff);
        }
        return (used.get(U16, 0) & 1) == 0;
    }

    @Override
    public Used pollUsed() {
        int idx = Short.toUnsignedInt(used.get(U16, 2));
        if (idx == lastUsed) {
            return null;
        }
        VarHandle.acquireFence();
        long at = 4 + 8L * (lastUsed % n);
        int id = used.get(U32, at);
        int len = used.get(U32, at + 4);
        lastUsed = (lastUsed + 1) & 0xffff;
        if (eventIdx) {
            avail.set(U16, 4 + 2L * n, (short) lastUsed);
        }
        int d = id;
        for (int i = 0; i < chainLength[id]; i++) {
            freeDescs.add(d);
            d = Short.toUnsignedInt(desc.get(U16, 16L * d + 14));
        }
        return new Used(id, len);
    }

    @Override
    public long descGpa() {
        return descGpa;
    }

    @Override
    public long driverGpa() {
        return availGpa;
    }

    @Override
    public long deviceGpa() {
        return usedGpa;
    }

    @Override
    public int initialBase() {
        return 0;
    }
}
