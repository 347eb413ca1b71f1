package org.vhostvertx.virtq;

import org.vhostvertx.memory.DirtyLog;
import org.vhostvertx.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * One virtqueue as the device sees it, whatever its layout (split or packed).
 *
 * <p>A queue belongs to one ring-worker thread at a time; nothing here is thread-safe. Every method
 * that reads the driver's side may throw {@link VirtqueueException} or
 * {@link org.vhostvertx.memory.GuestMemoryException}: the queue is then broken.
 */
public interface Virtqueue {

    int size();

    /** Takes the next available buffer into chain; false when the driver has made none available. */
    boolean pop(DescriptorChain chain);

    /**
     * Puts back the chain popped last, as if it had not been taken (a device that needs several
     * buffers for one frame and finds too few). Only the most recent pops can be undone, newest
     * first, and not on a queue with inflight tracking.
     */
    void rewind(DescriptorChain chain);

    /** Returns a buffer to the driver, reporting how many bytes the device wrote into it. */
    void push(DescriptorChain chain, int writtenLength);

    /**
     * Makes the pushed buffers visible to the driver. Returns true when the driver wants to be
     * notified of them (honouring EVENT_IDX and the driver's suppression flags).
     */
    boolean publish();

    /**
     * Makes the buffers pushed so far visible to the driver now, without deciding on a
     * notification: the next {@link #publish()} decides for every buffer since the last decision.
     * A handler that moves a long burst hands the driver its first part early this way, so the
     * driver works on it while the device fills the rest, instead of each side waiting for the
     * other's whole burst.
     */
    void publishUsed();

    /** Asks the driver not to kick: the worker is polling. */
    void disableNotifications();

    /**
     * Asks the driver to kick on new buffers. Returns true when buffers arrived meanwhile, so the
     * worker must not sleep.
     */
    boolean enableNotifications();

    /** True when the driver has made a buffer available that was not popped yet. */
    boolean hasAvailable();

    /** Buffers taken from the driver and not yet returned (popped, neither pushed nor rewound). */
    int inFlight();

    /** The ring state for VHOST_USER_GET_VRING_BASE. */
    int vringBase();

    /**
     * Live migration: while log is not null, every write this queue makes into guest memory marks
     * its pages there: the bytes a used entry reports written into a buffer and, when logRing (the
     * ring's VHOST_VRING_F_LOG), the ring's own device-written parts. null turns logging off; off, it
     * costs one test per push.
     */
    void log(DirtyLog log, boolean logRing);

    /**
     * How the queue took up a ring a previous back end left (from the inflight region), for the
     * log; null when it started from SET_VRING_BASE alone.
     */
    default String restartState() {
        return null;
    }

    /** Rebinds the queue to a new memory snapshot (rings re-translated) while it is quiesced. */
    void remap(GuestMemory memory);

    /**
     * The bytes one queue's inflight region takes, whichever layout its ring turns out to have
     * (GET_INFLIGHT_FD may come before the features are set): the packed layout's, the larger.
     */
    static long inflightBytes(int size) {
        return Math.max(InflightRegion.queueBytes(size), PackedInflightRegion.queueBytes(size));
    }

    /** VIRTIO_F_RING_PACKED. */
    long F_RING_PACKED = 1L << 34;
    /** VIRTIO_RING_F_EVENT_IDX. */
    long F_EVENT_IDX = 1L << 29;
    /** VIRTIO_RING_F_INDIRECT_DESC. */
    long F_INDIRECT_DESC = 1L << 28;
    /**
     * VIRTIO_F_IN_ORDER: the device returns every queue's buffers in the order it took them. The
     * rings need nothing for it; a device offers it only when all its handlers push in pop order
     * (a rewound buffer is taken again, so it does not count as taken). A driver that knows it
     * frees its buffers without looking them up (DPDK's virtio PMD has in-order paths for both
     * layouts).
     */
    long F_IN_ORDER = 1L << 35;

    /**
     * Creates the queue for the negotiated features, starting from the state of SET_VRING_BASE; a
     * chain may have as many descriptors as the queue has entries.
     */
    static Virtqueue create(GuestMemory memory, int size, VringAddresses addresses, long features, int base) {
        return create(memory, size, addresses, features, base, null, size);
    }

    /**
     * As {@link #create(GuestMemory, int, VringAddresses, long, int)}, tracking in-flight buffers in
     * inflight (INFLIGHT_SHMFD) when it is not null: a region of at least {@link #inflightBytes(int)}.
     * With tracking, a ring's start state comes from the region (and, split, the used ring), not from
     * base, unless the region is new or was left by a ring of another shape.
     *
     * <p>maxChain is the most descriptors one buffer may have, direct and indirect ones counted
     * together, on either layout: what the device promised the driver (e.g. blk's seg_max + 2), or
     * the queue size where it promised nothing. A longer chain breaks the queue like any other
     * violation of the ring's rules.
     */
    static Virtqueue create(GuestMemory memory, int size, VringAddresses addresses, long features, int base,
                            MemorySegment inflight, int maxChain) {
        if (maxChain < 1) {
            throw new IllegalArgumentException("a chain limit of " + maxChain + " descriptors");
        }
        if ((features & F_RING_PACKED) != 0) {
            return new PackedVirtqueue(memory, size, addresses, features, base, inflight, maxChain);
        }
        InflightRegion region = inflight == null ? null : new InflightRegion(inflight, size, features);
        return new SplitVirtqueue(memory, size, addresses, features, base, region, maxChain);
    }
}
