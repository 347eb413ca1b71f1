package org.vhostvertx.storage;

import org.vhostvertx.linux.Linux;

/**
 * The synchronous engine: each request runs to its end inside the call that starts it (preadv,
 * pwritev, fdatasync on the ring worker), so one request is in flight at most and the disk's
 * latency is the worker's. Used where io_uring cannot be set up.
 */
final class SyncChainIo implements ChainIo {

    private final ChainFileIo io = new ChainFileIo();
    private final IoRequest request = new IoRequest(0);
    private final Completion completion;
    private final String engine;
    private boolean taken;

    SyncChainIo(Completion completion, String why) {
        this.completion = completion;
        this.engine = "sync: " + why;
    }

    @Override
    public IoRequest take() {
        if (taken) {
            return null;
        }
        taken = true;
        return request;
    }

    @Override
    public void giveBack(IoRequest r) {
        taken = false;
    }

    @Override
    public void read(IoRequest r, ImageStore store, long fileOffset, long pos, long len) {
        finish(io.read(r.chain(), store, fileOffset, pos, len));
    }

    @Override
    public void write(IoRequest r, ImageStore store, long fileOffset, long pos, long len, boolean durable) {
        long rc = io.write(r.chain(), store, fileOffset, pos, len);
        if (rc == len && durable) {
            int s = Linux.tryFdatasync(store.fd());
            rc = s < 0 ? s : rc;
        }
        finish(rc);
    }

    @Override
    public void datasync(IoRequest r, ImageStore store) {
        finish(Linux.tryFdatasync(store.fd()));
    }

    private void finish(long result) {
        taken = false;
        completion.finished(request, result);
    }

    @Override
    public boolean complete() {
        return false;
    }

    @Override
    public void submit() {
    }

    @Override
    public void drain() {
    }

    @Override
    public boolean hasRoom() {
        return true;
    }

    @Override
    public int inFlight() {
        return 0;
    }

    @Override
    public int eventFd() {
        return -1;
    }

    @Override
    public void clearWakeups() {
    }

    @Override
    public String engine() {
        return engine;
    }

    @Override
    public void close() {
    }
}
