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

    /**
     * Whether the buffers the driver made available are work for this handler now. A handler that
     * keeps buffers until it has something to put in them (an event queue, a receive queue) says
     * false while it has nothing, so the worker sleeps instead of spinning on them; the device then
     * calls {@link DeviceContext#wake(int)} when it has something.
     */
    default boolean wantsBuffers() {
        return true;
    }

    /**
     * Whether the handler has work in flight that will finish without the driver doing anything
     * (disk I/O it submitted): a polling worker then polls a while longer after its last work
     * before it sleeps (see RingWorker.pollWindow), because waking a sleeping CPU for each
     * completion costs more than the disk takes to produce the next one. False by default.
     */
    default boolean awaitsCompletions() {
        return false;
    }

    /**
     * Finishes every request the handler still holds (I/O it started and the kernel has not
     * completed), waiting for them, and pushes their buffers. The worker calls it before the queue
     * is parked, so the base the front end reads counts them and no I/O into guest memory outlives
     * the queue, and before the queue's memory changes, so no I/O uses a region about to be
     * unmapped. A handler that finishes every request within its round has nothing to do.
     */
    default void quiesce(Virtqueue queue, QueueCounters counters) {
    }

    /** The queue left its worker (stopped, reset or broken). Called on the worker thread. */
    default void stopped() {
    }
}
