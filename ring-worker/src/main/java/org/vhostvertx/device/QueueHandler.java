package org.vhostvertx.device;

import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

/**
 * What a device does with one of its queues. Called only on the ring worker that owns the queue,
 * so an implementation needs no locks for per-queue state.
 */
public interface QueueHandler {

    /**
     * Serves the buffers the driver made available: pop, process, push. Returns true when it did
     * any work (the worker keeps polling), false when the queue was empty. The worker publishes the
     * used buffers and notifies the driver afterwards.
     *
     * <p>Throwing (a {@link org.vhostvertx.virtq.VirtqueueException}, a
     * {@link org.vhostvertx.memory.GuestMemoryException}, or the InternalError of a fault in guest
     * memory) breaks this queue only: the device needs a reset, every other device goes on.
     */
    boolean process(Virtqueue queue, QueueCounters counters);

    /** The queue left its worker (stopped, reset or broken). Called on the worker thread. */
    default void stopped() {
    }
}
