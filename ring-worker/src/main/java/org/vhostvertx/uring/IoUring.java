package org.vhostvertx.uring;

import org.vhostvertx.linux.EventFd;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One io_uring instance, set up through the raw system calls (no liburing): its fd, the SQ and CQ
 * rings and the SQE array mapped from it, and an eventfd the kernel signals on every completion
 * (IORING_REGISTER_EVENTFD), which a ring worker watches while it sleeps.
 *
 * <p>The ring layout is the kernel's: every offset comes from struct io_uring_params as
 * io_uring_setup filled it in, so nothing here assumes where head, tail or the entries lie.
 * Owned by one thread (the ring worker of a queue) from the first submission on.
 */
public final class IoUring implements AutoCloseable {

    public static final byte OP_NOP = 0;
    public static final byte OP_READV = 1;
    public static final byte OP_WRITEV = 2;
    public static final byte OP_FSYNC = 3;
    public static final int FSYNC_DATASYNC = 1;
    /** RWF_DSYNC in an SQE's rw_flags: the write is durable when it completes (write-through). */
    public static final int RWF_DSYNC = 2;

    private static final int SETUP_CQSIZE = 1 << 3;
    private static final int SETUP_CLAMP = 1 << 4;
    private static final int SETUP_SUBMIT_ALL = 1 << 7;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final int ENTER_GETEVENTS = 1;
    private static final int REGISTER_EVENTFD = 4;
    private static final long OFF_SQ_RING = 0L;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int PARAMS_SIZE = 120;
    private static final int SQ_OFF = 40;
    private static final int CQ_OFF = 80;
    private static final int MAP_POPULATE = 0x8000;

    private final int fd;
    private final EventFd eventFd;
    private final long sqRingAddr;
    private final long sqRingLen;
    private final long cqRingAddr;
    private final long cqRingLen;
    private final long sqesAddr;
    private final long sqesLen;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private boolean closed;

    /**
     * Sets up a ring of at least entries SQEs (the kernel rounds up to a power of two and clamps to
     * its maximum) with twice as many CQEs. Throws {@link LinuxException} when the kernel refuses:
     * ENOSYS (too old, or seccomp), EPERM (kernel.io_uring_disabled), ENOMEM.
     */
    public static IoUring open(int entries) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(PARAMS_SIZE, 8);
            params.set(ValueLayout.JAVA_INT, 0, entries);
            params.set(ValueLayout.JAVA_INT, 4, entries * 2);
            params.set(ValueLayout.JAVA_INT, 8, SETUP_CQSIZE | SETUP_CLAMP | SETUP_SUBMIT_ALL);
            int fd = Linux.tryIoUringSetup(entries, params);
            if (fd < 0) {
                throw new LinuxException("io_uring_setup", -fd);
            }
            try {
                return new IoUring(fd, params);
            } catch (RuntimeException e) {
                Linux.close(fd);
                throw e;
            }
        }
    }

    private IoUring(int fd, MemorySegment p) {
        this.fd = fd;
        int sqEntries = p.get(ValueLayout.JAVA_INT, 0);
        int cqEntries = p.get(ValueLayout.JAVA_INT, 4);
        int features = p.get(ValueLayout.JAVA_INT, 20);
        long sqArray = u32(p, SQ_OFF + 24);
        long cqes = u32(p, CQ_OFF + 20);
        long sqLen = sqArray + 4L * sqEntries;
        long cqLen = cqes + (long) CompletionQueue.CQE_SIZE * cqEntries;
        boolean single = (features & FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqLen = Math.max(sqLen, cqLen);
            cqLen = sqLen;
        }
        int prot = Linux.PROT_READ | Linux.PROT_WRITE;
        int flags = Linux.MAP_SHARED | MAP_POPULATE;
        MemorySegment sqRing = Linux.mmap(sqLen, prot, flags, fd, OFF_SQ_RING).reinterpret(sqLen);
        MemorySegment cqRing;
        MemorySegment sqes;
        try {
            cqRing = single ? sqRing : Linux.mmap(cqLen, prot, flags, fd, OFF_CQ_RING).reinterpret(cqLen);
        } catch (RuntimeException e) {
            Linux.munmap(sqRing.address(), sqLen);
            throw e;
        }
        long sqesBytes = (long) SubmissionQueue.SQE_SIZE * sqEntries;
        try {
            sqes = Linux.mmap(sqesBytes, prot, flags, fd, OFF_SQES).reinterpret(sqesBytes);
        } catch (RuntimeException e) {
            unmapRings(sqRing.address(), sqLen, cqRing.address(), cqLen, single);
            throw e;
        }
        this.sqRingAddr = sqRing.address();
        this.sqRingLen = sqLen;
        this.cqRingAddr = cqRing.address();
        this.cqRingLen = single ? 0 : cqLen;
        this.sqesAddr = sqes.address();
        this.sqesLen = sqesBytes;
        this.sq = new SubmissionQueue(sqRing, sqes, u32(p, SQ_OFF), u32(p, SQ_OFF + 4), u32(p, SQ_OFF + 8),
                u32(p, SQ_OFF + 12), sqArray);
        this.cq = new CompletionQueue(cqRing, u32(p, CQ_OFF), u32(p, CQ_OFF + 4), u32(p, CQ_OFF + 8),
                u32(p, CQ_OFF + 12), cqes);
        EventFd efd = new EventFd();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arg = a.allocate(ValueLayout.JAVA_INT);
            arg.set(ValueLayout.JAVA_INT, 0, efd.fd());
            int rc = Linux.tryIoUringRegister(fd, REGISTER_EVENTFD, arg, 1);
            if (rc < 0) {
                efd.close();
                unmap();
                throw new LinuxException("io_uring_register(EVENTFD)", -rc);
            }
        }
        this.eventFd = efd;
    }

    private static long u32(MemorySegment p, long at) {
        return Integer.toUnsignedLong(p.get(ValueLayout.JAVA_INT, at));
    }

    private static void unmapRings(long sqAddr, long sqLen, long cqAddr, long cqLen, boolean single) {
        Linux.munmap(sqAddr, sqLen);
        if (!single) {
            Linux.munmap(cqAddr, cqLen);
        }
    }

    private void unmap() {
        Linux.munmap(sqesAddr, sqesLen);
        unmapRings(sqRingAddr, sqRingLen, cqRingAddr, cqRingLen, cqRingLen == 0);
    }

    public SubmissionQueue submissions() {
        return sq;
    }

    public CompletionQueue completions() {
        return cq;
    }

    /** The eventfd the kernel signals whenever it posts a completion. */
    public EventFd eventFd() {
        return eventFd;
    }

    /**
     * Hands the SQEs written since the last call to the kernel (io_uring_enter) without waiting.
     * Returns how many it consumed, or -errno (EAGAIN, EBUSY: resources short, try again later; the
     * SQEs stay queued and the next call offers them again).
     */
    public int submit() {
        sq.publish();
        int pending = sq.unconsumed();
        if (pending == 0) {
            return 0;
        }
        int rc;
        do {
            rc = Linux.tryIoUringEnter(fd, pending, 0, 0);
        } while (rc == -Linux.EINTR);
        return rc;
    }

    /**
     * Submits what is queued and blocks until at least one completion is posted (or a signal
     * interrupts the wait). Only for winding down: a queue stopping waits for its own I/O.
     */
    public int submitAndWait() {
        sq.publish();
        int rc = Linux.tryIoUringEnter(fd, sq.unconsumed(), 1, ENTER_GETEVENTS);
        return rc == -Linux.EINTR ? 0 : rc;
    }

    /** Unmaps the rings and closes the fd and the eventfd; the kernel cancels what is still in flight. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmap();
        Linux.close(fd);
        eventFd.close();
    }
}
