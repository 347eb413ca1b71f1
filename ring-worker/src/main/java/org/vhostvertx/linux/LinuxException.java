package org.vhostvertx.linux;

/** A failed system call: which call, and the errno it set. */
public final class LinuxException extends RuntimeException {

    private final String call;
    private final int errno;

    public LinuxException(String call, int errno) {
        super(call + " failed: " + Linux.strerror(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
