package org.vhostvertx.virtq;

import org.vhostvertx.memory.DirtyLog;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.GuestMemoryException;
import org.vhostvertx.memory.MemoryRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The packed ring of virtio 1.2 §2.8: one descriptor ring and two event suppression areas. With an
 * inflight region (INFLIGHT_SHMFD) every buffer taken is copied there until it is returned, and a
 * region that holds this ring decides where the ring stands on start, not the base.
 */
final class PackedVirtqueue implements Virtqueue {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int DESC_F_AVAIL = 1 << 7;
    static final int DESC_F_USED = 1 << 15;
    static final int EVENT_ENABLE = 0;
    static final int EVENT_DISABLE = 1;
    static final int EVENT_DESC = 2;

    private final int size;
    private final VringAddresses addresses;
    private final boolean indirect;
    private final int maxChain;
    private GuestMemory memory;
    private MemorySegment ring;
    private MemorySegment driverEvent;
    private MemorySegment deviceEvent;
    /** Guest-physical addresses of the descriptor ring and the device event area, for the dirty log. */
    private long ringGpa;
    private long deviceEventGpa;
    private DirtyLog log;
    private boolean logRing;

    private int lastAvail;
    /** Popped and not yet pushed or rewound. */
    private int inFlight;
    private boolean availWrap;
    private int usedIdx;
    private boolean usedWrap;
    private int signalledUsed;
    private boolean pushedSincePublish;
    /**
     * The byte offset in the ring of the first used descriptor pushed since the last publish, whose
     * flags are held back until then; -1 when none is. The driver takes used descriptors in ring
     * order and stops at the first whose flags are not yet flipped, so holding back the first one's
     * flags hands the whole burst over with one store at publish, and the ones after it can be
     * written as they come: the lines the driver polls change once per burst instead of once per
     * buffer (what a shadow used ring does). Not with an inflight region, whose record of each
     * returned buffer must not run ahead of the ring a restarted back end takes up.
     */
    private long heldAt = -1;
    private short heldFlags;
    /**
     * IN_ORDER was negotiated and no inflight region records each buffer: a run of returned
     * buffers the device wrote nothing into (a transmit queue's) goes back as one used descriptor,
     * at the run's first slot with its last buffer's id (virtio 1.2 §2.8.9); the driver frees every
     * buffer up to that id and skips the run. The slots between are not written at all, so their
     * lines stay with the driver instead of coming over to us and going back.
     */
    private final boolean inOrder;
    /** The byte offset of the first slot of the run not written yet, or -1; its flags; its last id. */
    private long runAt = -1;
    private short runFlags;
    private int runLastId;
    private final PackedInflightRegion inflight;
    /** Head entries of the inflight region still to serve again after a restart, oldest first. */
    private final int[] resubmit;
    private int resubmitNext;
    private final String restartState;

    PackedVirtqueue(GuestMemory memory, int size, VringAddresses addresses, long features, int base,
                    MemorySegment inflightRegion, int maxChain) {
        if (size <= 0 || size > 32768) {
            throw new VirtqueueException("packed ring size " + size + " is not between 1 and 32768");
        }
        if ((addresses.descUva() & 15) != 0 || (addresses.availUva() & 3) != 0 || (addresses.usedUva() & 3) != 0) {
            throw new VirtqueueException("packed ring addresses are not aligned: " + addresses);
        }
        this.size = size;
        this.addresses = addresses;
        this.indirect = (features & F_INDIRECT_DESC) != 0;
        this.maxChain = maxChain;
        remap(memory);
        this.lastAvail = base & 0x7fff;
        this.availWrap = (base & 0x8000) != 0;
        int usedPart = base >>> 16;
        if (usedPart == 0 && base != 0) {
            // An old front end sends only the avail half: nothing was in flight, so used == avail.
            usedPart = base & 0xffff;
        }
        this.usedIdx = usedPart & 0x7fff;
        this.usedWrap = (usedPart & 0x8000) != 0;
        if (base == 0) {
            // A fresh ring starts with both wrap counters at 1 (virtio 1.2 §2.8.1).
            this.availWrap = true;
            this.usedWrap = true;
        }
        if (lastAvail >= size || usedIdx >= size) {
            throw new VirtqueueException("packed ring base 0x" + Integer.toHexString(base) + " beyond a ring of " + size);
        }
        this.inflight = inflightRegion == null ? null : new PackedInflightRegion(inflightRegion, size, features);
        this.inOrder = (features & F_IN_ORDER) != 0 && inflight == null;
        if (inflight == null || inflight.fresh()) {
            this.restartState = null;
            this.resubmit = new int[0];
            if (inflight != null) {
                inflight.start(usedIdx, usedWrap);
            }
        } else {
            // After a crash the front end's base may be stale (QEMU cannot read a packed ring's
            // position back from guest memory): the region knows where the ring stands, and
            // everything taken since the used position is in flight.
            PackedInflightRegion.Recovery r = inflight.recover(i -> Short.toUnsignedInt(ring.get(U16, 16L * i + 14)));
            this.resubmit = r.heads();
            this.usedIdx = r.usedIdx();
            this.usedWrap = r.usedWrap();
            this.lastAvail = usedIdx + r.slots();
            this.availWrap = usedWrap;
            if (lastAvail >= size) {
                lastAvail -= size;
                availWrap = !availWrap;
            }
            this.restartState = "packed ring: base 0x" + Integer.toHexString(base) + ", used position " + usedIdx
                    + (usedWrap ? " (wrap 1)" : " (wrap 0)") + ", next to take " + lastAvail
                    + (availWrap ? " (wrap 1)" : " (wrap 0)") + ", resubmitting heads " + Arrays.toString(resubmit);
        }
        this.signalledUsed = usedIdx;
    }

    @Override
    public void remap(GuestMemory memory) {
        this.memory = memory;
        this.ring = memory.uvaSegment(addresses.descUva(), 16L * size, "descriptor ring");
        this.driverEvent = memory.uvaSegment(addresses.availUva(), 4, "driver event suppression");
        this.deviceEvent = memory.uvaSegment(addresses.usedUva(), 4, "device event suppression");
        this.ringGpa = memory.gpaOfUva(addresses.descUva());
        this.deviceEventGpa = memory.gpaOfUva(addresses.usedUva());
    }

    @Override
    public void log(DirtyLog log, boolean logRing) {
        this.log = log;
        this.logRing = logRing;
    }

    @Override
    public String restartState() {
        return restartState;
    }

    @Override
    public int size() {
        return size;
    }

    private boolean isAvailable(int index, boolean wrap) {
        return available(Short.toUnsignedInt(ring.get(U16, 16L * index + 14)), wrap);
    }

    /** Whether a descriptor with these flags is available to us in the driver's wrap round wrap. */
    private static boolean available(int flags, boolean wrap) {
        boolean a = (flags & DESC_F_AVAIL) != 0;
        boolean u = (flags & DESC_F_USED) != 0;
        return a == wrap && u != wrap;
    }

    @Override
    public boolean hasAvailable() {
        return resubmitNext < resubmit.length || isAvailable(lastAvail, availWrap);
    }

    @Override
    public boolean pop(DescriptorChain chain) {
        // The usual buffer (one direct descriptor, no inflight region, nothing to resubmit) is
        // taken here, on a short path; the method is small enough that C2 may inline it into a
        // device's loop (it did into Receiver.deliverPlain in PortCostProbe).
        if (inflight == null && resubmitNext >= resubmit.length) {
            long at = 16L * lastAvail;
            int flags = Short.toUnsignedInt(ring.get(U16, at + 14));
            if (!available(flags, availWrap)) {
                return false;
            }
            if ((flags & (DESC_F_NEXT | DESC_F_INDIRECT)) == 0 && maxChain >= 1) {
                // The descriptor must be read after the flags that made it available.
                VarHandle.acquireFence();
                long addr = ring.get(U64, at);
                int len = ring.get(U32, at + 8);
                int id = Short.toUnsignedInt(ring.get(U16, at + 12));
                if (id < size) {
                    chain.reset(0);
                    chain.add(memory, addr, len, (flags & DESC_F_WRITE) != 0);
                    chain.setId(id);
                    chain.setRingSlots(1);
                    if (++lastAvail == size) {
                        lastAvail = 0;
                        availWrap = !availWrap;
                    }
                    inFlight++;
                    return true;
                }
            }
        }
        return popChain(chain);
    }

    /** {@link #pop} for any buffer: resubmitted, chained, indirect, or tracked in an inflight region. */
    private boolean popChain(DescriptorChain chain) {
        if (resubmitNext < resubmit.length) {
            again(resubmit[resubmitNext++], chain);
            inFlight++;
            return true;
        }
        if (!isAvailable(lastAvail, availWrap)) {
            return false;
        }
        // The descriptors must be read after the flags that made them available.
        VarHandle.acquireFence();
        chain.reset(0);
        if (inflight != null) {
            inflight.beginTake();
        }
        int i = lastAvail;
        int slots = 0;
        int id;
        while (true) {
            if (++slots > size) {
                throw new VirtqueueException("descriptor chain at " + lastAvail + " longer than the ring of " + size);
            }
            long at = 16L * i;
            long addr = ring.get(U64, at);
            int len = ring.get(U32, at + 8);
            id = Short.toUnsignedInt(ring.get(U16, at + 12));
            int flags = Short.toUnsignedInt(ring.get(U16, at + 14));
            if (inflight != null) {
                inflight.record(addr, len, id, flags);
            }
            if (!append(chain, addr, len, flags, slots)) {
                break;
            }
            i = i + 1 == size ? 0 : i + 1;
        }
        finish(chain, id, slots);
        if (inflight != null) {
            inflight.taken(id);
        }
        lastAvail += slots;
        if (lastAvail >= size) {
            lastAvail -= size;
            availWrap = !availWrap;
        }
        inFlight++;
        return true;
    }

    /**
     * Adds descriptor number slots (from 1) of a chain, read from the ring or the inflight region;
     * false when it ends the chain.
     */
    private boolean append(DescriptorChain chain, long addr, int len, int flags, int slots) {
        if ((flags & DESC_F_INDIRECT) != 0) {
            if (!indirect) {
                throw new VirtqueueException("indirect descriptor but INDIRECT_DESC was not negotiated");
            }
            if ((flags & DESC_F_NEXT) != 0) {
                throw new VirtqueueException("indirect descriptor with NEXT set in the chain at " + lastAvail);
            }
            addIndirect(chain, addr, len, slots - 1);
            return false;
        }
        if (slots > maxChain) {
            throw chainTooLong(slots);
        }
        chain.add(memory, addr, len, (flags & DESC_F_WRITE) != 0);
        return (flags & DESC_F_NEXT) != 0;
    }

    private void finish(DescriptorChain chain, int id, int slots) {
        if (id >= size) {
            throw new VirtqueueException("buffer id " + id + " beyond a ring of " + size);
        }
        chain.setId(id);
        chain.setRingSlots(slots);
    }

    /** Builds the chain at head entry of the inflight region again, from the copies taken when it was popped. */
    private void again(int head, DescriptorChain chain) {
        chain.reset(0);
        int n = inflight.num(head);
        int e = head;
        for (int k = 1; ; k++) {
            boolean more = append(chain, inflight.addr(e), inflight.len(e), inflight.flags(e), k);
            if (more != (k < n)) {
                throw new VirtqueueException("inflight chain at entry " + head + " does not end after its "
                        + n + " descriptors");
            }
            if (!more) {
                break;
            }
            e = inflight.next(e);
        }
        finish(chain, inflight.id(e), n);
    }

    private VirtqueueException chainTooLong(long descriptors) {
        return new VirtqueueException("descriptor chain at " + lastAvail + " has " + descriptors
                + " descriptors, more than the device's limit of " + maxChain);
    }

    /** Appends the indirect table at addr to a chain that already has direct descriptors. */
    private void addIndirect(DescriptorChain chain, long addr, int len, int direct) {
        long tableLen = Integer.toUnsignedLong(len);
        if (tableLen == 0 || (tableLen & 15) != 0) {
            throw new VirtqueueException("indirect table length " + tableLen + " is not a multiple of 16");
        }
        if (direct + tableLen / 16 > maxChain) {
            throw chainTooLong(direct + tableLen / 16);
        }
        MemoryRegion r = memory.regionOfGpa(addr);
        if (r == null || addr - r.guestPhysAddr() + tableLen > r.size()) {
            throw new GuestMemoryException(String.format(
                    "indirect table at gpa 0x%x length %d is outside guest memory", addr, tableLen));
        }
        MemorySegment table = r.segment();
        long base = addr - r.guestPhysAddr();
        for (long at = base; at < base + tableLen; at += 16) {
            int flags = Short.toUnsignedInt(table.get(U16, at + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw new VirtqueueException("indirect table inside an indirect table");
            }
            chain.add(memory, table.get(U64, at), table.get(U32, at + 8), (flags & DESC_F_WRITE) != 0);
        }
    }

    @Override
    public void rewind(DescriptorChain chain) {
        if (inflight != null) {
            throw new IllegalStateException("cannot rewind a queue with inflight tracking");
        }
        inFlight--;
        lastAvail -= chain.ringSlots();
        if (lastAvail < 0) {
            lastAvail += size;
            availWrap = !availWrap;
        }
    }

    @Override
    public void push(DescriptorChain chain, int writtenLength) {
        int nextUsed = usedIdx + chain.ringSlots();
        boolean nextWrap = usedWrap;
        if (nextUsed >= size) {
            nextUsed -= size;
            nextWrap = !nextWrap;
        }
        inFlight--;
        long at = 16L * usedIdx;
        int flags = usedWrap ? (DESC_F_AVAIL | DESC_F_USED) : 0;
        if (inOrder && writtenLength == 0) {
            if (runAt < 0) {
                runAt = at;
                runFlags = (short) flags;
            }
            runLastId = chain.id();
        } else {
            // A buffer with data ends the run before it: its descriptor comes after the run's.
            endRun();
            if (inflight != null) {
                inflight.returning(chain.id(), nextUsed, nextWrap);
            }
            if (writtenLength > 0) {
                flags |= DESC_F_WRITE;
            }
            // The pages written so far are logged before the flags hand the descriptor back, so a
            // driver that sees it finds them logged.
            if (log != null) {
                chain.markWritten(log, Integer.toUnsignedLong(writtenLength));
            }
            writeUsed(at, chain.id(), writtenLength, (short) flags);
        }
        usedIdx = nextUsed;
        usedWrap = nextWrap;
        pushedSincePublish = true;
    }

    /** Writes the run of buffers returned without data, if any, as its one used descriptor. */
    private void endRun() {
        if (runAt >= 0) {
            writeUsed(runAt, runLastId, 0, runFlags);
            runAt = -1;
        }
    }

    /** Writes one used descriptor at byte offset at; its flags now, or at publish when it is the burst's first. */
    private void writeUsed(long at, int id, int writtenLength, short flags) {
        ring.set(U32, at + 8, writtenLength);
        ring.set(U16, at + 12, (short) id);
        // The ring's slot is logged before the flags and once more after them, so a log sync
        // between the two cannot take the flags' write off it.
        if (log != null && logRing) {
            log.mark(ringGpa + at, 16);
        }
        if (inflight == null && heldAt < 0) {
            heldAt = at;
            heldFlags = flags;
        } else {
            // id and length must be visible before the flags that hand the descriptor back.
            VarHandle.releaseFence();
            ring.set(U16, at + 14, flags);
            if (inflight != null) {
                inflight.returned();
            }
            if (log != null && logRing) {
                log.mark(ringGpa + at, 16);
            }
        }
    }

    @Override
    public void publishUsed() {
        endRun();
        if (heldAt >= 0) {
            // Every descriptor of the burst is written: its first one's flags hand them all over.
            VarHandle.releaseFence();
            ring.set(U16, heldAt + 14, heldFlags);
            if (log != null && logRing) {
                log.mark(ringGpa + heldAt, 16);
            }
            heldAt = -1;
        }
    }

    @Override
    public boolean publish() {
        if (!pushedSincePublish) {
            return false;
        }
        pushedSincePublish = false;
        publishUsed();
        VarHandle.fullFence();
        int flags = Short.toUnsignedInt(driverEvent.get(U16, 2)) & 3;
        int old = signalledUsed;
        int now = usedIdx;
        signalledUsed = now;
        if (flags == EVENT_ENABLE) {
            return true;
        }
        if (flags == EVENT_DISABLE) {
            return false;
        }
        int offWrap = Short.toUnsignedInt(driverEvent.get(U16, 0));
        int off = offWrap & 0x7fff;
        boolean wrap = (offWrap & 0x8000) != 0;
        if (now <= old) {
            old -= size;
        }
        if (wrap != usedWrap) {
            off -= size;
        }
        return ((now - off - 1) & 0xffff) < ((now - old) & 0xffff);
    }

    @Override
    public void disableNotifications() {
        deviceEvent.set(U16, 2, (short) EVENT_DISABLE);
        logDeviceEvent();
    }

    private void logDeviceEvent() {
        if (log != null && logRing) {
            log.mark(deviceEventGpa, 4);
        }
    }

    @Override
    public boolean enableNotifications() {
        deviceEvent.set(U16, 2, (short) EVENT_ENABLE);
        logDeviceEvent();
        VarHandle.fullFence();
        return hasAvailable();
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public int vringBase() {
        int avail = lastAvail | (availWrap ? 0x8000 : 0);
        int used = usedIdx | (usedWrap ? 0x8000 : 0);
        return avail | (used << 16);
    }
}
