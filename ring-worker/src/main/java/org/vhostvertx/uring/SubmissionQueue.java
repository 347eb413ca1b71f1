package org.vhostvertx.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The submission side of an {@link IoUring}: the kernel's SQ ring (head, tail, mask, the index
 * array) and the SQE array, both mapped from the ring's fd. We own the tail, the kernel the head.
 *
 * <p>An SQE is written in place, then the tail is stored with release semantics so the kernel sees
 * the whole entry before it sees the entry counted; the head is read with acquire semantics so a
 * slot is reused only after the kernel has consumed it. Not thread-safe: one ring worker owns it.
 */
public final class SubmissionQueue {

    /** sizeof(struct io_uring_sqe). */
    static final int SQE_SIZE = 64;
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment ring;
    private final MemorySegment sqes;
    private final long headAt;
    private final long tailAt;
    private final int mask;
    private final int entries;
    /** Our copy of the tail: entries written, published to the kernel by {@link #publish()}. */
    private int tail;
    /** The tail the kernel last saw (published, perhaps not yet consumed by io_uring_enter). */
    private int published;

    SubmissionQueue(MemorySegment ring, MemorySegment sqes, long headAt, long tailAt, long maskAt, long entriesAt,
                    long arrayAt) {
        this.ring = ring;
        this.sqes = sqes;
        this.headAt = headAt;
        this.tailAt = tailAt;
        this.mask = ring.get(ValueLayout.JAVA_INT, maskAt);
        this.entries = ring.get(ValueLayout.JAVA_INT, entriesAt);
        this.tail = ring.get(ValueLayout.JAVA_INT, tailAt);
        this.published = tail;
        // The index array maps ring slot to SQE; the identity lets SQE i always travel in slot i.
        for (int i = 0; i < entries; i++) {
            ring.set(ValueLayout.JAVA_INT, arrayAt + 4L * i, i);
        }
    }

    public int entries() {
        return entries;
    }

    /** SQE slots free: the kernel has consumed everything up to its head. */
    public int free() {
        int head = (int) U32.getAcquire(ring, headAt);
        return entries - (tail - head);
    }

    /**
     * Writes one SQE. The caller has checked {@link #free()}; a full queue is a programming error,
     * never something to wait for here.
     */
    public void add(byte opcode, int fd, long offset, long addr, int len, int opFlags, long userData) {
        if (free() <= 0) {
            throw new IllegalStateException("submission queue full (" + entries + " entries)");
        }
        long at = (long) (tail & mask) * SQE_SIZE;
        // Every field we do not name (flags, ioprio, buf_index, personality, addr3) is zero.
        sqes.set(ValueLayout.JAVA_LONG, at, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 40, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 48, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 56, 0L);
        sqes.set(ValueLayout.JAVA_BYTE, at, opcode);
        sqes.set(ValueLayout.JAVA_INT, at + 4, fd);
        sqes.set(ValueLayout.JAVA_LONG, at + 8, offset);
        sqes.set(ValueLayout.JAVA_LONG, at + 16, addr);
        sqes.set(ValueLayout.JAVA_INT, at + 24, len);
        sqes.set(ValueLayout.JAVA_INT, at + 28, opFlags);
        sqes.set(ValueLayout.JAVA_LONG, at + 32, userData);
        tail++;
    }

    /** Makes the SQEs written since the last call visible to the kernel; returns how many. */
    int publish() {
        int n = tail - published;
        if (n > 0) {
            U32.setRelease(ring, tailAt, tail);
            published = tail;
        }
        return n;
    }

    /** SQEs the kernel has been shown but has not consumed (io_uring_enter still owes them). */
    int unconsumed() {
        return published - (int) U32.getAcquire(ring, headAt);
    }
}
