package org.vhostvertx.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Per-queue counters. Only the worker that owns the queue writes them (release stores, no locked
 * instructions); any thread may read them.
 */
public final class QueueCounters {

    private static final VarHandle KICKS;
    private static final VarHandle CALLS;
    private static final VarHandle REQUESTS;
    private static final VarHandle BYTES;
    private static final VarHandle ERRORS;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            KICKS = l.findVarHandle(QueueCounters.class, "kicks", long.class);
            CALLS = l.findVarHandle(QueueCounters.class, "calls", long.class);
            REQUESTS = l.findVarHandle(QueueCounters.class, "requests", long.class);
            BYTES = l.findVarHandle(QueueCounters.class, "bytes", long.class);
            ERRORS = l.findVarHandle(QueueCounters.class, "errors", long.class);
            IN_FLIGHT = l.findVarHandle(QueueCounters.class, "inFlight", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long kicks;
    private long calls;
    private long requests;
    private long bytes;
    private long errors;
    private long inFlight;

    public void kick() {
        KICKS.setRelease(this, kicks + 1);
    }

    public void call() {
        CALLS.setRelease(this, calls + 1);
    }

    /** One request completed, moving this many bytes. */
    public void request(long movedBytes) {
        requests(1, movedBytes);
    }

    /**
     * count requests completed, moving movedBytes together. A data path that handles requests in
     * bursts counts a burst at once: each release store keeps the compiler from carrying what it
     * loaded across it, which measured about a sixth of a reflect port's cost per 64-byte frame
     * when every frame was counted on its own.
     */
    public void requests(long count, long movedBytes) {
        REQUESTS.setRelease(this, requests + count);
        BYTES.setRelease(this, bytes + movedBytes);
    }

    public void error() {
        ERRORS.setRelease(this, errors + 1);
    }

    /** How many buffers the device holds (taken from the driver, not yet returned), after a round. */
    public void inFlight(long n) {
        IN_FLIGHT.setRelease(this, n);
    }

    public long kicks() {
        return (long) KICKS.getAcquire(this);
    }

    public long calls() {
        return (long) CALLS.getAcquire(this);
    }

    public long requests() {
        return (long) REQUESTS.getAcquire(this);
    }

    public long bytes() {
        return (long) BYTES.getAcquire(this);
    }

    public long errors() {
        return (long) ERRORS.getAcquire(this);
    }

    public long inFlightNow() {
        return (long) IN_FLIGHT.getAcquire(this);
    }
}
