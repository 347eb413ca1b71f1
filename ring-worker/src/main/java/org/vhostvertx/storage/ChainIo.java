package org.vhostvertx.storage;

import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.uring.IoUringSupport;

import java.util.logging.Logger;

/**
 * Disk I/O for one queue, between an {@link ImageStore} and guest buffers, with no copy in between
 * (O_DIRECT's unaligned buffers aside). A handler takes a free {@link IoRequest}, pops a chain into
 * it, and starts a read, write or datasync; the request finishes through the {@link Completion},
 * on the queue's worker, possibly later and out of order: then the handler writes its status and
 * pushes the chain.
 *
 * <p>Two engines: {@link AsyncChainIo} (io_uring; many requests in flight, the worker never waits
 * for the disk) and {@link SyncChainIo} (preadv/pwritev/fdatasync on the worker, finishing inside
 * the call; the fallback where io_uring cannot be set up).
 */
public interface ChainIo extends AutoCloseable {

    /** A request finished: result is the bytes moved (fewer only at the file's end) or -errno; 0 for datasync. */
    @FunctionalInterface
    interface Completion {
        void finished(IoRequest request, long result);
    }

    /**
     * The engine for a queue: io_uring with up to depth requests in flight, or, where io_uring is
     * not available (said once in the log, and by {@link #engine()}), the synchronous one.
     */
    static ChainIo open(int depth, Completion completion) {
        String unavailable = IoUringSupport.unavailableReason();
        if (unavailable == null) {
            try {
                return new AsyncChainIo(depth, completion);
            } catch (LinuxException e) {
                // Resources of this process (fds, locked memory): this queue goes synchronously.
                unavailable = e.getMessage();
                Logger.getLogger(ChainIo.class.getName()).warning("an io_uring for a queue could not be set up ("
                        + unavailable + "): its disk I/O runs synchronously");
            }
        }
        return new SyncChainIo(completion, unavailable);
    }

    /** A free request, or null when as many as the engine allows are in flight: pop nothing then. */
    IoRequest take();

    /** Returns a request that was taken but not started (the ring was empty, or it was answered at once). */
    void giveBack(IoRequest request);

    /** Reads len bytes of the store at fileOffset into the request's chain's writable part at pos. */
    void read(IoRequest request, ImageStore store, long fileOffset, long pos, long len);

    /** Writes len bytes of the chain's readable part at pos to the store; durable: on stable storage when finished. */
    void write(IoRequest request, ImageStore store, long fileOffset, long pos, long len, boolean durable);

    /**
     * fdatasync of the store. It covers every write that finished before it was started, which is
     * what virtio-blk's FLUSH and SCSI's SYNCHRONIZE CACHE promise; writes still in flight are not
     * the driver's to count on yet.
     */
    void datasync(IoRequest request, ImageStore store);

    /** Hands requests that finished to the completion; true when there were any. */
    boolean complete();

    /** Hands the requests started since the last call to the kernel. */
    void submit();

    /** Waits until every request in flight has finished (and been handed over): the queue stops or remaps. */
    void drain();

    /** False while every request is in flight: the handler takes no buffer then (and the worker may sleep). */
    boolean hasRoom();

    /**
     * Requests started and not finished. A request taken and never started (its queue broke
     * while popping) is not counted: nothing of it is in the kernel's hands.
     */
    int inFlight();

    /** The descriptor to watch for completions while the worker sleeps; -1 when requests finish at once. */
    int eventFd();

    /** Resets the eventfd's count after a wake-up (the completions themselves are taken by {@link #complete()}). */
    void clearWakeups();

    /** "io_uring", or "sync: " and why io_uring is not used: for the device's stats. */
    String engine();

    @Override
    void close();
}
