package org.vhostvertx.linux;

/** A non-blocking eventfd this object owns. */
public final class EventFd implements AutoCloseable {

    private final int fd;
    private volatile boolean closed;

    public EventFd() {
        this.fd = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
    }

    public int fd() {
        return fd;
    }

    public void signal() {
        Linux.eventfdSignal(fd);
    }

    /** Returns the counter and resets it; 0 when it was not signalled. */
    public long drain() {
        long v = Linux.eventfdDrain(fd);
        return v < 0 ? 0 : v;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Linux.close(fd);
        }
    }
}
