package org.vhostvertx.storage;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.uring.CompletionQueue;
import org.vhostvertx.uring.IoUring;
import org.vhostvertx.uring.SubmissionQueue;

import java.lang.foreign.ValueLayout;

/**
 * The io_uring engine of one queue: READV/WRITEV whose iovecs point straight into guest memory,
 * FSYNC with DATASYNC for flushes. The ring worker that owns the queue starts requests, submits
 * them in one io_uring_enter per round, and takes the completions (each round, and when the
 * ring's eventfd wakes it): the kernel does the waiting, so a slow disk delays only its own
 * requests.
 *
 * <p>At most depth requests are in flight, one SQE each, and the SQ has room for all of them, so
 * submitting never waits and the CQ (twice the SQ) never overflows; a handler that finds no free
 * request stops taking buffers until completions free some. A short transfer is submitted again
 * for the rest, and so is one that ran out of iovecs (more than IOV_MAX pieces) or was
 * interrupted (EINTR, EAGAIN). Under O_DIRECT a guest buffer that is not aligned goes through the
 * request's bounce buffer, BOUNCE_BYTES per submission.
 *
 * <p>Guest memory must stay mapped while the kernel uses it: {@link #drain()} waits for every
 * request before the queue stops or its memory changes.
 */
public final class AsyncChainIo implements ChainIo {

    private final IoUring ring;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final Completion completion;
    private final IoRequest[] requests;
    private final int[] free;
    private int freeCount;
    /** Requests started and not finished: what the kernel owes us (taken but unstarted ones it does not). */
    private int started;
    private final CompletionQueue.Handler onCqe = this::completed;
    /** preadv/pwritev for images in RAM. */
    private final ChainFileIo inMemory = new ChainFileIo();
    private boolean closed;

    /** Sets up the ring; {@link LinuxException} when the kernel refuses. */
    public AsyncChainIo(int depth, Completion completion) {
        this.ring = IoUring.open(depth);
        this.sq = ring.submissions();
        this.cq = ring.completions();
        this.completion = completion;
        int n = Math.min(depth, sq.entries());
        this.requests = new IoRequest[n];
        this.free = new int[n];
        for (int i = 0; i < n; i++) {
            requests[i] = new IoRequest(i);
            free[i] = n - 1 - i;
        }
        this.freeCount = n;
    }

    /** The most requests in flight at once. */
    public int depth() {
        return requests.length;
    }

    @Override
    public IoRequest take() {
        return freeCount == 0 ? null : requests[free[--freeCount]];
    }

    @Override
    public void giveBack(IoRequest r) {
        free[freeCount++] = r.index();
    }

    @Override
    public void read(IoRequest r, ImageStore store, long fileOffset, long pos, long len) {
        if (store.inMemory()) {
            finishAtOnce(r, inMemory.read(r.chain(), store, fileOffset, pos, len));
            return;
        }
        start(r, IoUring.OP_READV, store, fileOffset, pos, len, 0);
    }

    @Override
    public void write(IoRequest r, ImageStore store, long fileOffset, long pos, long len, boolean durable) {
        if (store.inMemory()) {
            // Nothing to make durable in RAM (fdatasync on tmpfs does nothing).
            finishAtOnce(r, inMemory.write(r.chain(), store, fileOffset, pos, len));
            return;
        }
        start(r, IoUring.OP_WRITEV, store, fileOffset, pos, len, durable ? IoUring.RWF_DSYNC : 0);
    }

    @Override
    public void datasync(IoRequest r, ImageStore store) {
        if (store.inMemory()) {
            finishAtOnce(r, 0);
            return;
        }
        start(r, IoUring.OP_FSYNC, store, 0, 0, 0, IoUring.FSYNC_DATASYNC);
    }

    /**
     * A request on an image in RAM, done inside the call: the copy never waits, and io_uring would
     * hand each one to a kernel worker thread (tmpfs cannot read or write without blocking as far as
     * io_uring knows), a hop that costs more than the copy (bin/bench blk: half the IOPS).
     */
    private void finishAtOnce(IoRequest r, long result) {
        free[freeCount++] = r.index();
        completion.finished(r, result);
    }

    /** Reads or writes through fd with the given alignment (0: not O_DIRECT); for tests and callers without a store. */
    void start(IoRequest r, byte op, int fd, int alignment, long fileOffset, long pos, long len, int flags) {
        r.op = op;
        r.fd = fd;
        r.alignment = alignment;
        r.fileOffset = fileOffset;
        r.pos = pos;
        r.len = len;
        r.done = 0;
        r.rwFlags = flags;
        r.bounced = false;
        started++;
        issue(r);
    }

    private void start(IoRequest r, byte op, ImageStore store, long fileOffset, long pos, long len, int flags) {
        start(r, op, store.fd(), store.directAlignment(), fileOffset, pos, len, flags);
    }

    /** Puts the request's next SQE (its first, or one for the rest after a short transfer) on the SQ. */
    private void issue(IoRequest r) {
        if (r.op == IoUring.OP_FSYNC) {
            sq.add(IoUring.OP_FSYNC, r.fd, 0, 0, 0, r.rwFlags, r.index());
            return;
        }
        boolean read = r.op == IoUring.OP_READV;
        long at = r.fileOffset + r.done;
        long left = r.len - r.done;
        r.ensureIovecs(Math.min(r.chain().pieces(), ChainFileIo.MAX_IOV));
        if (!r.bounced) {
            int k = r.chain().iovecs(read, r.pos + r.done, left, r.iov, r.iovCap);
            if (k == 0) {
                // The chain ends before len: a NOP completes with 0, which ends the transfer short.
                sq.add(IoUring.OP_NOP, -1, 0, 0, 0, 0, r.index());
                return;
            }
            r.bounced = !DirectIo.aligned(r.iov, k, at, r.alignment);
            if (!r.bounced) {
                sq.add(r.op, r.fd, at, r.iov.address(), k, r.rwFlags, r.index());
                return;
            }
        }
        long n = Math.min(left, r.bounce().byteSize());
        if (!read) {
            r.chain().read(r.pos + r.done, r.bounce, 0, n);
        }
        r.iov.set(ValueLayout.JAVA_LONG, 0, r.bounce.address());
        r.iov.set(ValueLayout.JAVA_LONG, 8, n);
        sq.add(r.op, r.fd, at, r.iov.address(), 1, r.rwFlags, r.index());
    }

    private void completed(long userData, int res) {
        IoRequest r = requests[(int) userData];
        if (res == -Linux.EINTR || res == -Linux.EAGAIN) {
            issue(r);
            return;
        }
        if (res < 0 || r.op == IoUring.OP_FSYNC) {
            finish(r, res);
            return;
        }
        if (res == 0) {
            // The file ends here (or the chain did): what was moved is the answer.
            finish(r, r.done);
            return;
        }
        if (r.bounced && r.op == IoUring.OP_READV) {
            r.chain().write(r.pos + r.done, r.bounce, 0, res);
        }
        r.done += res;
        if (r.done < r.len) {
            issue(r);
        } else {
            finish(r, r.done);
        }
    }

    private void finish(IoRequest r, long result) {
        started--;
        free[freeCount++] = r.index();
        completion.finished(r, result);
    }

    @Override
    public boolean complete() {
        return cq.drain(onCqe) > 0;
    }

    @Override
    public void submit() {
        int rc = ring.submit();
        if (rc < 0 && rc != -Linux.EAGAIN && rc != -Linux.EBUSY) {
            throw new LinuxException("io_uring_enter", -rc);
        }
    }

    @Override
    public void drain() {
        while (!closed) {
            complete();
            if (started == 0) {
                return;
            }
            int rc = ring.submitAndWait();
            if (rc < 0 && rc != -Linux.EAGAIN && rc != -Linux.EBUSY) {
                throw new LinuxException("io_uring_enter", -rc);
            }
        }
    }

    @Override
    public boolean hasRoom() {
        return freeCount > 0;
    }

    @Override
    public int inFlight() {
        return started;
    }

    @Override
    public int eventFd() {
        return ring.eventFd().fd();
    }

    @Override
    public void clearWakeups() {
        ring.eventFd().drain();
    }

    @Override
    public String engine() {
        return "io_uring";
    }

    /** Waits for what is in flight (their completions are still handed over), then closes the ring. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            drain();
        } finally {
            closed = true;
            ring.close();
        }
    }
}
