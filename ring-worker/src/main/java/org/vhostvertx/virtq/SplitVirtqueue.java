package org.vhostvertx.virtq;

import org.vhostvertx.memory.DirtyLog;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.GuestMemoryException;
import org.vhostvertx.memory.MemoryRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/** The split ring of virtio 1.2 §2.7: descriptor table, available ring, used ring. */
final class SplitVirtqueue implements Virtqueue {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    private static final int USED_F_NO_NOTIFY = 1;
    private static final int AVAIL_F_NO_INTERRUPT = 1;

    private final int size;
    private final VringAddresses addresses;
    private final boolean eventIdx;
    private final boolean indirect;
    private final int maxChain;
    private GuestMemory memory;
    private MemorySegment desc;
    private MemorySegment avail;
    private MemorySegment used;
    /** Guest-physical address of the used ring, for the dirty log. */
    private long usedGpa;
    private DirtyLog log;
    private boolean logRing;

    private int lastAvail;
    /** Popped and not yet pushed or rewound. */
    private int inFlight;
    private int shadowAvail;
    private int usedIdx;
    private int publishedUsed;
    /** The used index at the last notification decision (publish). */
    private int signalledUsed;
    private final InflightRegion inflight;
    private final int[] resubmit;
    private int resubmitNext;
    private final String restartState;

    SplitVirtqueue(GuestMemory memory, int size, VringAddresses addresses, long features, int base,
                   InflightRegion inflight, int maxChain) {
        if (size <= 0 || size > 32768 || Integer.bitCount(size) != 1) {
            throw new VirtqueueException("split ring size " + size + " is not a power of 2 up to 32768");
        }
        if ((addresses.descUva() & 15) != 0 || (addresses.availUva() & 1) != 0 || (addresses.usedUva() & 3) != 0) {
            throw new VirtqueueException("split ring addresses are not aligned: " + addresses);
        }
        this.size = size;
        this.addresses = addresses;
        this.eventIdx = (features & F_EVENT_IDX) != 0;
        this.indirect = (features & F_INDIRECT_DESC) != 0;
        this.maxChain = maxChain;
        remap(memory);
        this.lastAvail = base & 0xffff;
        this.shadowAvail = lastAvail;
        this.usedIdx = Short.toUnsignedInt(used.get(U16, 2));
        this.publishedUsed = usedIdx;
        this.signalledUsed = usedIdx;
        this.inflight = inflight;
        if (inflight != null && !inflight.fresh()) {
            // After a restart the ring itself says what was returned: everything taken is either
            // in the used ring or still in flight, so the next head to take follows both.
            this.resubmit = inflight.recover(usedIdx);
            this.lastAvail = (usedIdx + resubmit.length) & 0xffff;
            this.shadowAvail = lastAvail;
            this.restartState = "split ring: base " + (base & 0xffff) + ", available index " + availIdx()
                    + ", used index " + usedIdx + ", next to take " + lastAvail + ", resubmitting heads "
                    + Arrays.toString(resubmit);
        } else {
            this.restartState = null;
            this.resubmit = new int[0];
            if (inflight != null) {
                inflight.recover(usedIdx);
            }
        }
    }


    @Override
    public void remap(GuestMemory memory) {
        this.memory = memory;
        this.desc = memory.uvaSegment(addresses.descUva(), 16L * size, "descriptor table");
        this.avail = memory.uvaSegment(addresses.availUva(), 6 + 2L * size, "available ring");
        this.used = memory.uvaSegment(addresses.usedUva(), 6 + 8L * size, "used ring");
        this.usedGpa = memory.gpaOfUva(addresses.usedUva());
    }

    @Override
    public void log(DirtyLog log, boolean logRing) {
        this.log = log;
        this.logRing = logRing;
    }

    /** Marks len bytes at offset of the used ring, when the ring is logged. */
    private void logUsed(long offset, long len) {
        if (log != null && logRing) {
            log.mark(usedGpa + offset, len);
        }
    }

    @Override
    public String restartState() {
        return restartState;
    }

    @Override
    public int size() {
        return size;
    }

    private int availIdx() {
        return Short.toUnsignedInt(avail.get(U16, 2));
    }

    @Override
    public boolean hasAvailable() {
        if (resubmitNext < resubmit.length || lastAvail != shadowAvail) {
            return true;
        }
        shadowAvail = availIdx();
        return lastAvail != shadowAvail;
    }

    @Override
    public boolean pop(DescriptorChain chain) {
        if (resubmitNext < resubmit.length) {
            walk(resubmit[resubmitNext++], chain);
            inFlight++;
            return true;
        }
        if (lastAvail == shadowAvail) {
            shadowAvail = availIdx();
            if (lastAvail == shadowAvail) {
                return false;
            }
        }
        // The ring entries must be read after the index that published them.
        VarHandle.acquireFence();
        int pending = (shadowAvail - lastAvail) & 0xffff;
        if (pending > size) {
            throw new VirtqueueException("available index " + shadowAvail + " is " + pending
                    + " entries ahead of " + lastAvail + " in a ring of " + size);
        }
        int head = Short.toUnsignedInt(avail.get(U16, 4 + 2L * (lastAvail & (size - 1))));
        lastAvail = (lastAvail + 1) & 0xffff;
        walk(head, chain);
        inFlight++;
        if (inflight != null) {
            inflight.taken(head);
        }
        return true;
    }

    private void walk(int head, DescriptorChain chain) {
        if (head >= size) {
            throw new VirtqueueException("head index " + head + " beyond a ring of " + size);
        }
        chain.reset(head);
        long at = 16L * head;
        // len, flags and next as one load (little-endian: len in the low half).
        long rest = desc.get(U64, at + 8);
        int flags = (int) (rest >>> 32) & 0xffff;
        if ((flags & (DESC_F_NEXT | DESC_F_INDIRECT)) == 0 && maxChain >= 1) {
            // The usual chain: one direct descriptor.
            chain.add(memory, desc.get(U64, at), (int) rest, (flags & DESC_F_WRITE) != 0);
            return;
        }
        walkChain(head, chain);
    }

    /** The general walk from head: direct descriptors, an indirect table, bounded by maxChain and the table size. */
    private void walkChain(int head, DescriptorChain chain) {
        MemorySegment table = desc;
        long tableBase = 0;
        int tableSize = size;
        boolean inIndirect = false;
        int i = head;
        int seen = 0;
        int total = 0;
        while (true) {
            if (++seen > tableSize) {
                throw new VirtqueueException("descriptor chain from head " + head
                        + " is longer than its table of " + tableSize + " (a loop?)");
            }
            long at = tableBase + 16L * i;
            long addr = table.get(U64, at);
            int len = table.get(U32, at + 8);
            int flags = Short.toUnsignedInt(table.get(U16, at + 12));
            int next = Short.toUnsignedInt(table.get(U16, at + 14));
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (inIndirect) {
                    throw new VirtqueueException("indirect table inside an indirect table (head " + head + ")");
                }
                if (!indirect) {
                    throw new VirtqueueException("indirect descriptor but INDIRECT_DESC was not negotiated");
                }
                if ((flags & DESC_F_NEXT) != 0) {
                    throw new VirtqueueException("indirect descriptor with NEXT set (head " + head + ")");
                }
                long tableLen = Integer.toUnsignedLong(len);
                if (tableLen == 0 || (tableLen & 15) != 0) {
                    throw new VirtqueueException("indirect table length " + tableLen + " is not a multiple of 16");
                }
                if (total + tableLen / 16 > maxChain) {
                    throw chainTooLong(head, total + tableLen / 16);
                }
                MemoryRegion r = memory.regionOfGpa(addr);
                if (r == null || addr - r.guestPhysAddr() + tableLen > r.size()) {
                    throw new GuestMemoryException(String.format(
                            "indirect table at gpa 0x%x length %d is outside guest memory", addr, tableLen));
                }
                table = r.segment();
                tableBase = addr - r.guestPhysAddr();
                tableSize = (int) (tableLen / 16);
                inIndirect = true;
                seen = 0;
                i = 0;
                continue;
            }
            if (++total > maxChain) {
                throw chainTooLong(head, total);
            }
            chain.add(memory, addr, len, (flags & DESC_F_WRITE) != 0);
            if ((flags & DESC_F_NEXT) == 0) {
                return;
            }
            if (next >= tableSize) {
                throw new VirtqueueException("next index " + next + " beyond a table of " + tableSize);
            }
            i = next;
        }
    }

    private VirtqueueException chainTooLong(int head, long descriptors) {
        return new VirtqueueException("descriptor chain from head " + head + " has " + descriptors
                + " descriptors, more than the device's limit of " + maxChain);
    }

    @Override
    public void rewind(DescriptorChain chain) {
        inFlight--;
        if (inflight != null) {
            throw new IllegalStateException("cannot rewind a queue with inflight tracking");
        }
        lastAvail = (lastAvail - 1) & 0xffff;
    }

    @Override
    public void push(DescriptorChain chain, int writtenLength) {
        inFlight--;
        long at = 4 + 8L * (usedIdx & (size - 1));
        used.set(U32, at, chain.id());
        used.set(U32, at + 4, writtenLength);
        if (log != null) {
            chain.markWritten(log, Integer.toUnsignedLong(writtenLength));
            logUsed(at, 8);
        }
        usedIdx = (usedIdx + 1) & 0xffff;
        if (inflight != null) {
            inflight.returned(chain.id());
        }
    }

    @Override
    public void publishUsed() {
        if (usedIdx == publishedUsed) {
            return;
        }
        if (inflight != null) {
            inflight.beforePublish();
        }
        // The entries must be visible before the index that publishes them.
        VarHandle.releaseFence();
        used.set(U16, 2, (short) usedIdx);
        logUsed(2, 2);
        publishedUsed = usedIdx;
        if (inflight != null) {
            inflight.afterPublish(usedIdx);
        }
    }

    @Override
    public boolean publish() {
        if (usedIdx == signalledUsed) {
            return false;
        }
        int old = signalledUsed;
        publishUsed();
        signalledUsed = usedIdx;
        // The index store must be visible before we read the driver's wishes.
        VarHandle.fullFence();
        if (eventIdx) {
            int usedEvent = Short.toUnsignedInt(avail.get(U16, 4 + 2L * size));
            return ((usedIdx - usedEvent - 1) & 0xffff) < ((usedIdx - old) & 0xffff);
        }
        return (avail.get(U16, 0) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    @Override
    public void disableNotifications() {
        if (!eventIdx) {
            used.set(U16, 0, (short) USED_F_NO_NOTIFY);
            logUsed(0, 2);
        }
    }

    @Override
    public boolean enableNotifications() {
        if (eventIdx) {
            used.set(U16, 4 + 8L * size, (short) lastAvail);
            logUsed(4 + 8L * size, 2);
        } else {
            used.set(U16, 0, (short) 0);
            logUsed(0, 2);
        }
        VarHandle.fullFence();
        return hasAvailable();
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public int vringBase() {
        return lastAvail;
    }
}
