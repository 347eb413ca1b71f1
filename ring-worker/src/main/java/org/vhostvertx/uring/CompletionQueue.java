package org.vhostvertx.uring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The completion side of an {@link IoUring}: the kernel's CQ ring mapped from the ring's fd. The
 * kernel owns the tail, we own the head. The tail is read with acquire semantics, so the CQEs it
 * counts are read only after the kernel wrote them; the head is stored with release semantics once
 * they are read, so the kernel reuses their slots only then. Not thread-safe: one ring worker owns it.
 */
public final class CompletionQueue {

    /** sizeof(struct io_uring_cqe) without CQE32. */
    static final int CQE_SIZE = 16;
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();

    /** What to do with one completion: the SQE's user_data and the result (bytes, 0, or -errno). */
    @FunctionalInterface
    public interface Handler {
        void completed(long userData, int result);
    }

    private final MemorySegment ring;
    private final long headAt;
    private final long tailAt;
    private final long cqesAt;
    private final int mask;
    private final int entries;

    CompletionQueue(MemorySegment ring, long headAt, long tailAt, long maskAt, long entriesAt, long cqesAt) {
        this.ring = ring;
        this.headAt = headAt;
        this.tailAt = tailAt;
        this.cqesAt = cqesAt;
        this.mask = ring.get(ValueLayout.JAVA_INT, maskAt);
        this.entries = ring.get(ValueLayout.JAVA_INT, entriesAt);
    }

    public int entries() {
        return entries;
    }

    /** True when the kernel has posted a completion we have not taken. */
    public boolean ready() {
        return (int) U32.getAcquire(ring, tailAt) != ring.get(ValueLayout.JAVA_INT, headAt);
    }

    /**
     * Hands every posted completion to handler, oldest first, and gives their slots back. The
     * handler may add SQEs (a short transfer resubmitted). Returns how many it handled.
     */
    public int drain(Handler handler) {
        int head = ring.get(ValueLayout.JAVA_INT, headAt);
        int tail = (int) U32.getAcquire(ring, tailAt);
        int n = 0;
        while (head != tail) {
            long at = cqesAt + (long) (head & mask) * CQE_SIZE;
            long userData = ring.get(ValueLayout.JAVA_LONG, at);
            int res = ring.get(ValueLayout.JAVA_INT, at + 8);
            head++;
            // Give the slot back before the handler runs: it may submit, and its CQE needs room.
            U32.setRelease(ring, headAt, head);
            handler.completed(userData, res);
            n++;
            if (head == tail) {
                tail = (int) U32.getAcquire(ring, tailAt);
            }
        }
        return n;
    }
}
