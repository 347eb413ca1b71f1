package org.vhostvertx.virtq;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * One packed queue's region of the inflight buffer (vhost-user.rst, "Inflight I/O tracking"): a copy
 * of every descriptor of every buffer the device took and has not returned, and the ring's used
 * position, so that a restarted back end knows where the ring stands and resubmits exactly those
 * buffers. A copy is needed because the device writes used descriptors over the driver's ones.
 *
 * <pre>
 * QueueRegionPacked (32 bytes): u64 features, u16 version, u16 desc_num, u16 free_head,
 *                   u16 old_free_head, u16 used_idx, u16 old_used_idx, u8 used_wrap_counter,
 *                   u8 old_used_wrap_counter, u8 padding[7], DescStatePacked desc[desc_num]
 * DescStatePacked (32 bytes): u8 inflight, u8 padding, u16 next, u16 last, u16 num, u64 counter,
 *                   u16 id, u16 flags, u32 len, u64 addr
 * </pre>
 *
 * Entries not in flight form a free list through {@code next}. Taking a buffer of n descriptors
 * copies them into n entries from the list's head on; the first (the buffer's head entry) gets
 * {@code num}, {@code last} and the order {@code counter}, and setting its {@code inflight} flag is
 * the single store that makes the take count. Returning a buffer puts its entries back at the list's
 * head ({@code free_head}, the "current" fields) before the used descriptor is written into the ring,
 * and copies them to the {@code old_*} fields after. The stores are ordered so that a back end
 * killed between any two of them is recognised on restart ({@link #recover}): while {@code free_head}
 * names an entry still marked in flight, that buffer's return was under way, and the ring at the old
 * used position says whether its used descriptor got there. The free list is then rebuilt from the
 * buffers in flight, so it cannot lose entries.
 */
public final class PackedInflightRegion {

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final int HEADER = 32;
    static final int DESC = 32;
    private static final short VERSION = 1;
    static final int FEATURES = 0;
    static final int VERSION_AT = 8;
    static final int DESC_NUM = 10;
    static final int FREE_HEAD = 12;
    static final int OLD_FREE_HEAD = 14;
    static final int USED_IDX = 16;
    static final int OLD_USED_IDX = 18;
    static final int USED_WRAP = 20;
    static final int OLD_USED_WRAP = 21;
    static final int D_INFLIGHT = 0;
    static final int D_NEXT = 2;
    static final int D_LAST = 4;
    static final int D_NUM = 6;
    static final int D_COUNTER = 8;
    static final int D_ID = 16;
    static final int D_FLAGS = 18;
    static final int D_LEN = 20;
    static final int D_ADDR = 24;
    private static final int NONE = -1;

    private final MemorySegment region;
    private final int size;
    private final boolean fresh;
    /** The head entry of each buffer id in flight, or NONE. */
    private final int[] headOfId;
    private long counter;
    private int freeHead;
    /** The chain being taken: its head entry, last entry and descriptor count. */
    private int takeHead;
    private int takeLast;
    private int takeCount;
    /** The buffer being returned and the used position after it. */
    private int returning = NONE;
    private int nextUsedIdx;
    private boolean nextUsedWrap;

    /** The bytes one queue of size entries needs, rounded up to 64 as the regions are laid out. */
    public static long queueBytes(int size) {
        return (HEADER + (long) DESC * size + 63) & ~63L;
    }

    /**
     * Opens the region of a packed ring of size entries (1 to 32768). A region of another ring's
     * shape (version, size, features) is not trusted: {@link #fresh()} is then true.
     */
    PackedInflightRegion(MemorySegment region, int size, long features) {
        if (region.byteSize() < HEADER + (long) DESC * size) {
            throw new VirtqueueException("inflight region of " + region.byteSize() + " bytes for a packed ring of "
                    + size + " needs " + (HEADER + (long) DESC * size));
        }
        this.region = region;
        this.size = size;
        this.headOfId = new int[size];
        Arrays.fill(headOfId, NONE);
        this.fresh = region.get(U16, VERSION_AT) != VERSION || Short.toUnsignedInt(region.get(U16, DESC_NUM)) != size
                || region.get(U64, FEATURES) != features;
        if (fresh) {
            region.fill((byte) 0);
            region.set(U64, FEATURES, features);
            region.set(U16, DESC_NUM, (short) size);
        }
    }

    /** True when the region held nothing of this ring: it cannot say where the ring stands. */
    public boolean fresh() {
        return fresh;
    }

    private static long at(int entry) {
        return HEADER + (long) DESC * entry;
    }

    private int u16(long offset) {
        return Short.toUnsignedInt(region.get(U16, offset));
    }

    private boolean inflight(int entry) {
        return region.get(U8, at(entry) + D_INFLIGHT) != 0;
    }

    /**
     * Lays out a region with nothing in flight at the ring's used position (from SET_VRING_BASE):
     * every entry free.
     */
    void start(int usedIdx, boolean usedWrap) {
        setPosition(usedIdx, usedWrap);
        freeHead = relinkFree(new boolean[size]);
        // The version last: a region killed half laid out is fresh again next time.
        VarHandle.releaseFence();
        region.set(U16, VERSION_AT, VERSION);
    }

    /**
     * After a restart: finishes or undoes the return that was under way, rebuilds the free list and
     * says where the ring stands and which buffers are in flight. flagsAt reads the flags of the
     * ring's descriptor at an index. Throws {@link VirtqueueException} if the region is not one a
     * back end could have left.
     */
    Recovery recover(IntUnaryOperator flagsAt) {
        int usedIdx = u16(OLD_USED_IDX);
        boolean usedWrap = region.get(U8, OLD_USED_WRAP) != 0;
        int head = u16(FREE_HEAD);
        if (head < size && inflight(head)) {
            // The return of head was under way: its used descriptor goes to the old used position.
            check(usedIdx < size, "used index " + usedIdx);
            int flags = flagsAt.applyAsInt(usedIdx);
            boolean avail = (flags & PackedVirtqueue.DESC_F_AVAIL) != 0;
            boolean used = (flags & PackedVirtqueue.DESC_F_USED) != 0;
            if (avail != usedWrap || used == usedWrap) {
                // The descriptor there is no longer the driver's available one: the return got into
                // the ring (the driver may even have reused the slot since), so it counts.
                region.set(U8, at(head) + D_INFLIGHT, (byte) 0);
                usedIdx = u16(USED_IDX);
                usedWrap = region.get(U8, USED_WRAP) != 0;
            }
        } else if (head != u16(OLD_FREE_HEAD)) {
            // A return was being copied to the old fields, or a take was under way (which leaves the
            // used position alone): the current fields are complete.
            usedIdx = u16(USED_IDX);
            usedWrap = region.get(U8, USED_WRAP) != 0;
        }
        check(usedIdx < size, "used index " + usedIdx);
        VarHandle.releaseFence();
        setPosition(usedIdx, usedWrap);
        boolean[] taken = new boolean[size];
        int[] heads = inFlight(taken);
        VarHandle.releaseFence();
        freeHead = relinkFree(taken);
        int slots = 0;
        for (int h : heads) {
            slots += num(h);
            headOfId[id(last(h))] = h;
        }
        return new Recovery(heads, slots, usedIdx, usedWrap);
    }

    /** Where a recovered ring stands: buffers in flight oldest first, the slots they hold, the used position. */
    record Recovery(int[] heads, int slots, int usedIdx, boolean usedWrap) {
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            throw new VirtqueueException("inflight region of a packed ring of " + size + " is inconsistent: " + what);
        }
    }

    /** The head entries marked in flight, oldest first, after checking their chains; marks their entries in taken. */
    private int[] inFlight(boolean[] taken) {
        Integer[] heads = new Integer[size];
        int count = 0;
        boolean[] ids = new boolean[size];
        int slots = 0;
        for (int h = 0; h < size; h++) {
            if (!inflight(h)) {
                continue;
            }
            int n = num(h);
            slots += n;
            check(n >= 1 && slots <= size, "buffers in flight hold more than " + size + " descriptors");
            int e = h;
            for (int i = 1; ; i++) {
                check(e < size && !taken[e], "entry " + e + " of the chain at " + h + " is out of range or shared");
                taken[e] = true;
                if (i == n) {
                    break;
                }
                e = next(e);
            }
            check(e == last(h), "the chain at " + h + " does not end at its last entry");
            int id = id(e);
            check(id < size && !ids[id], "buffer id " + id + " out of range or in flight twice");
            ids[id] = true;
            counter = Math.max(counter, region.get(U64, at(h) + D_COUNTER));
            heads[count++] = h;
        }
        Integer[] found = Arrays.copyOf(heads, count);
        Arrays.sort(found, (a, b) -> Long.compareUnsigned(region.get(U64, at(a) + D_COUNTER),
                region.get(U64, at(b) + D_COUNTER)));
        return Arrays.stream(found).mapToInt(Integer::intValue).toArray();
    }

    /** Links every entry not taken into the free list, lowest first; returns its head (size when empty). */
    private int relinkFree(boolean[] taken) {
        int head = size;
        for (int e = size - 1; e >= 0; e--) {
            if (!taken[e]) {
                region.set(U16, at(e) + D_NEXT, (short) head);
                head = e;
            }
        }
        VarHandle.releaseFence();
        region.set(U16, FREE_HEAD, (short) head);
        region.set(U16, OLD_FREE_HEAD, (short) head);
        return head;
    }

    private void setPosition(int usedIdx, boolean usedWrap) {
        region.set(U16, USED_IDX, (short) usedIdx);
        region.set(U8, USED_WRAP, (byte) (usedWrap ? 1 : 0));
        region.set(U16, OLD_USED_IDX, (short) usedIdx);
        region.set(U8, OLD_USED_WRAP, (byte) (usedWrap ? 1 : 0));
    }

    /** Descriptors of the chain at head entry. */
    int num(int head) {
        return u16(at(head) + D_NUM);
    }

    /** The entry after entry in its chain. */
    int next(int entry) {
        return u16(at(entry) + D_NEXT);
    }

    private int last(int head) {
        return u16(at(head) + D_LAST);
    }

    long addr(int entry) {
        return region.get(U64, at(entry) + D_ADDR);
    }

    int len(int entry) {
        return region.get(U32, at(entry) + D_LEN);
    }

    int flags(int entry) {
        return u16(at(entry) + D_FLAGS);
    }

    int id(int entry) {
        return u16(at(entry) + D_ID);
    }

    /** The device starts taking a buffer from the ring. */
    void beginTake() {
        takeHead = freeHead;
        takeCount = 0;
    }

    /** One descriptor of the buffer being taken, as the ring holds it. */
    void record(long addr, int len, int id, int flags) {
        int e = freeHead;
        if (e >= size) {
            throw new VirtqueueException("more descriptors in flight than a packed ring of " + size + " holds");
        }
        long base = at(e);
        region.set(U64, base + D_ADDR, addr);
        region.set(U32, base + D_LEN, len);
        region.set(U16, base + D_ID, (short) id);
        region.set(U16, base + D_FLAGS, (short) flags);
        takeLast = e;
        takeCount++;
        freeHead = next(e);
    }

    /** The buffer of id whose descriptors were recorded is taken. */
    void taken(int id) {
        if (headOfId[id] != NONE) {
            throw new VirtqueueException("buffer id " + id + " made available again while in flight");
        }
        long base = at(takeHead);
        region.set(U16, base + D_NUM, (short) takeCount);
        region.set(U16, base + D_LAST, (short) takeLast);
        region.set(U64, base + D_COUNTER, ++counter);
        // Off the free list first, so that free_head never names an entry in flight unless a return
        // of it is under way.
        region.set(U16, FREE_HEAD, (short) freeHead);
        VarHandle.releaseFence();
        region.set(U8, base + D_INFLIGHT, (byte) 1);
        VarHandle.releaseFence();
        region.set(U16, OLD_FREE_HEAD, (short) freeHead);
        headOfId[id] = takeHead;
    }

    /**
     * Before the used descriptor of buffer id is written into the ring: its entries go back on the
     * free list and the region records the used position after it.
     */
    void returning(int id, int usedIdx, boolean usedWrap) {
        int head = id < size ? headOfId[id] : NONE;
        if (head == NONE) {
            throw new IllegalStateException("buffer id " + id + " is not in flight");
        }
        headOfId[id] = NONE;
        region.set(U16, at(last(head)) + D_NEXT, (short) freeHead);
        region.set(U16, USED_IDX, (short) usedIdx);
        region.set(U8, USED_WRAP, (byte) (usedWrap ? 1 : 0));
        VarHandle.releaseFence();
        // The mark of a return under way: free_head names an entry still in flight.
        region.set(U16, FREE_HEAD, (short) head);
        VarHandle.releaseFence();
        freeHead = head;
        returning = head;
        nextUsedIdx = usedIdx;
        nextUsedWrap = usedWrap;
    }

    /** The used descriptor is in the ring: the return counts. */
    void returned() {
        VarHandle.releaseFence();
        region.set(U8, at(returning) + D_INFLIGHT, (byte) 0);
        VarHandle.releaseFence();
        region.set(U16, OLD_USED_IDX, (short) nextUsedIdx);
        region.set(U8, OLD_USED_WRAP, (byte) (nextUsedWrap ? 1 : 0));
        VarHandle.releaseFence();
        region.set(U16, OLD_FREE_HEAD, (short) freeHead);
        returning = NONE;
    }
}
