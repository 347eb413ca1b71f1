package org.vhostvertx.worker;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.Virtqueue;

import java.util.function.Consumer;

/**
 * A started queue as a worker runs it: the ring, the device's handler, the kick and call
 * eventfds, and the counters. Its mutable state is touched only by the owning worker.
 *
 * <p>The descriptors are owned by the protocol side; the runner only uses them.
 */
public final class QueueRunner {

    private final String device;
    private final int index;
    private final Virtqueue queue;
    private final QueueHandler handler;
    private final QueueCounters counters;
    private final int kickFd;
    private volatile int callFd;
    private final Consumer<Throwable> onFailure;
    private boolean broken;
    /** The driver wanted a call while we had no call eventfd. */
    private boolean missedCall;

    public QueueRunner(String device, int index, Virtqueue queue, QueueHandler handler, QueueCounters counters,
                       int kickFd, int callFd, Consumer<Throwable> onFailure) {
        this.device = device;
        this.index = index;
        this.queue = queue;
        this.handler = handler;
        this.counters = counters;
        this.kickFd = kickFd;
        this.callFd = callFd;
        this.onFailure = onFailure;
    }

    public String device() {
        return device;
    }

    public int index() {
        return index;
    }

    public Virtqueue queue() {
        return queue;
    }

    public QueueCounters counters() {
        return counters;
    }

    int kickFd() {
        return kickFd;
    }

    /**
     * A new call eventfd from the front end (SET_VRING_CALL while running); -1 for none. Runs on the
     * worker. QEMU sends SET_VRING_CALL after it started the ring and does not wait for us: the
     * driver may already have had buffers completed, so a call we could not make is made now.
     */
    public void callFd(int fd) {
        this.callFd = fd;
        if (missedCall && fd >= 0) {
            missedCall = false;
            call();
        }
    }

    boolean broken() {
        return broken;
    }

    boolean wantsBuffers() {
        return handler.wantsBuffers();
    }

    boolean awaitsCompletions() {
        return !broken && handler.awaitsCompletions();
    }

    /** One round of work; true if the handler did something. Used buffers are published by {@link #flush()}. */
    boolean process() {
        return handler.process(queue, counters);
    }

    /**
     * Publishes what the handlers of this round returned to this queue (its own, or another
     * handler's of the same group, such as a reflect port's transmit side filling the receive
     * queue) and calls the driver if it asked.
     */
    void flush() {
        if (queue.publish()) {
            call();
        }
        counters.inFlight(queue.inFlight());
    }

    /** Has the handler finish what it holds in flight (see QueueHandler.quiesce); on the worker. */
    public void quiesce() {
        handler.quiesce(queue, counters);
    }

    void call() {
        int fd = callFd;
        if (fd >= 0) {
            Linux.eventfdSignal(fd);
            counters.call();
        } else {
            missedCall = true;
        }
    }

    void kicked(long count) {
        for (long i = 0; i < count; i++) {
            counters.kick();
        }
    }

    /** The queue broke: it stays parked so its base can still be read, and the device is told. */
    void fail(Throwable cause) {
        broken = true;
        counters.error();
        try {
            handler.stopped();
        } finally {
            onFailure.accept(cause);
        }
    }

    void stopped() {
        handler.stopped();
    }

    @Override
    public String toString() {
        return device + " queue " + index;
    }
}
