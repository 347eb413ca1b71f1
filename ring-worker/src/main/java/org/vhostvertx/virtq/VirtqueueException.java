package org.vhostvertx.virtq;

/**
 * The driver broke the ring's rules (a loop, an index past the ring, a chain longer than the queue,
 * an indirect table inside an indirect table, a bad length). The queue cannot go on: its device
 * must be reset.
 */
public final class VirtqueueException extends RuntimeException {
    public VirtqueueException(String message) {
        super(message);
    }
}
