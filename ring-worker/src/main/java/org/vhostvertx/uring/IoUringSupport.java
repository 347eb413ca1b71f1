package org.vhostvertx.uring;

import org.vhostvertx.linux.LinuxException;

import java.util.logging.Logger;

/**
 * Whether this process may use io_uring, found out once: a tiny ring set up and closed. When it
 * cannot (kernel.io_uring_disabled, a kernel without it, a seccomp filter, or the operator's
 * {@code -Dvhostvertx.ioUring=false}), the reason is logged once and disks run their I/O
 * synchronously on the ring worker, as they say in their stats.
 */
public final class IoUringSupport {

    /** The system property that turns io_uring off for the whole process. */
    public static final String PROPERTY = "vhostvertx.ioUring";
    private static final Logger LOG = Logger.getLogger(IoUringSupport.class.getName());
    private static volatile String unavailable;
    private static volatile boolean probed;

    private IoUringSupport() {
    }

    /** null when io_uring can be used, else why not. */
    public static String unavailableReason() {
        if (!probed) {
            probe();
        }
        return unavailable;
    }

    private static synchronized void probe() {
        if (probed) {
            return;
        }
        String reason = null;
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            reason = "turned off by -D" + PROPERTY + "=false";
        } else {
            try (IoUring ignored = IoUring.open(2)) {
                // It can be set up: the rings of the queues will be.
            } catch (LinuxException | UnsatisfiedLinkError e) {
                reason = e.getMessage();
            }
        }
        if (reason != null) {
            LOG.warning("io_uring is not available (" + reason + "): disk I/O runs synchronously on the ring "
                    + "workers, so a slow disk delays every queue of its worker");
        }
        unavailable = reason;
        probed = true;
    }
}
