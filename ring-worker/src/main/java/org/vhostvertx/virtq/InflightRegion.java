package org.vhostvertx.virtq;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One split queue's region of the inflight buffer (vhost-user.rst, "Inflight I/O tracking"): which
 * heads the device took and has not returned, so that a restarted back end resubmits exactly those.
 *
 * <pre>
 * QueueRegionSplit: u64 features, u16 version, u16 desc_num, u16 last_batch_head, u16 used_idx,
 *                   DescStateSplit desc[desc_num]
 * DescStateSplit:   u8 inflight, u8 padding[5], u16 next, u64 counter
 * </pre>
 *
 * A returned batch is linked through {@code next} from {@code last_batch_head} before the used index
 * is published, so that a crash between publishing and clearing the flags is recognised (the
 * region's used_idx then lags the ring's) and the batch is not run twice.
 */
public final class InflightRegion {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int HEADER = 16;
    private static final int DESC = 16;
    private static final short VERSION = 1;
    private static final int NONE = 0xffff;

    private final MemorySegment region;
    private final int size;
    private long counter;
    private final int[] batch;
    private int batchLength;
    private final boolean fresh;

    /** The bytes one queue of size entries needs, rounded up to 64 as the regions are laid out. */
    public static long queueBytes(int size) {
        return (HEADER + (long) DESC * size + 63) & ~63L;
    }

    public InflightRegion(MemorySegment region, int size, long features) {
        if (region.byteSize() < HEADER + (long) DESC * size) {
            throw new VirtqueueException("inflight region of " + region.byteSize() + " bytes for a ring of " + size);
        }
        this.region = region;
        this.size = size;
        this.batch = new int[size];
        this.fresh = region.get(U16, 8) != VERSION || Short.toUnsignedInt(region.get(U16, 10)) != size
                || region.get(U64, 0) != features;
        if (fresh) {
            // A new region, or one from a ring of another shape: nothing in it can be trusted.
            region.fill((byte) 0);
            region.set(U64, 0, features);
            region.set(U16, 8, VERSION);
            region.set(U16, 10, (short) size);
            region.set(U16, 12, (short) NONE);
        }
        for (int i = 0; i < size; i++) {
            counter = Math.max(counter, region.get(U64, at(i) + 8));
        }
    }

    /** True when the region held nothing of this ring: it cannot say where the ring stands. */
    public boolean fresh() {
        return fresh;
    }

    private static long at(int head) {
        return HEADER + (long) DESC * head;
    }

    /** Whether head (below the ring's size) was taken and not yet returned. */
    private boolean holds(int head) {
        return region.get(ValueLayout.JAVA_BYTE, at(head)) != 0;
    }

    /**
     * Reconciles the region with the ring's used index after a restart and returns the heads still
     * in flight, oldest first.
     */
    public int[] recover(int ringUsedIdx) {
        int recorded = Short.toUnsignedInt(region.get(U16, 14));
        if (recorded != ringUsedIdx) {
            // We died after publishing a batch but before clearing it: that batch is done.
            int head = Short.toUnsignedInt(region.get(U16, 12));
            for (int n = 0; head != NONE && head < size && n < size; n++) {
                region.set(ValueLayout.JAVA_BYTE, at(head), (byte) 0);
                head = Short.toUnsignedInt(region.get(U16, at(head) + 6));
            }
            region.set(U16, 14, (short) ringUsedIdx);
        }
        region.set(U16, 12, (short) NONE);
        List<Integer> heads = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (holds(i)) {
                heads.add(i);
            }
        }
        heads.sort(Comparator.comparingLong(h -> region.get(U64, at(h) + 8)));
        return heads.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The device took head from the available ring. */
    public void taken(int head) {
        if (holds(head)) {
            // One record per head: a second would overwrite the first, and a restarted back end
            // could not know the buffer was taken twice.
            throw new VirtqueueException("head " + head + " is available again while the device still holds it");
        }
        region.set(U64, at(head) + 8, ++counter);
        VarHandle.releaseFence();
        region.set(ValueLayout.JAVA_BYTE, at(head), (byte) 1);
    }

    /** head is in the batch about to be published. */
    public void returned(int head) {
        batch[batchLength++] = head;
    }

    /** Links the batch before the used index is published. */
    public void beforePublish() {
        if (batchLength == 0) {
            return;
        }
        for (int i = 0; i < batchLength; i++) {
            region.set(U16, at(batch[i]) + 6, (short) (i + 1 < batchLength ? batch[i + 1] : NONE));
        }
        VarHandle.releaseFence();
        region.set(U16, 12, (short) batch[0]);
        VarHandle.releaseFence();
    }

    /** The used index was published: the batch is no longer in flight. */
    public void afterPublish(int usedIdx) {
        VarHandle.releaseFence();
        for (int i = 0; i < batchLength; i++) {
            region.set(ValueLayout.JAVA_BYTE, at(batch[i]), (byte) 0);
        }
        VarHandle.releaseFence();
        region.set(U16, 14, (short) usedIdx);
        region.set(U16, 12, (short) NONE);
        batchLength = 0;
    }
}
