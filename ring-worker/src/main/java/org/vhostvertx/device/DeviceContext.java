package org.vhostvertx.device;

import java.util.concurrent.CompletionStage;

/** What the framework offers a device: its identity and a way to reach the driver. */
public interface DeviceContext {

    /** The configured id of the device. */
    String id();

    /** Tells the driver that the config space changed (vhost-user CONFIG_CHANGE_MSG). */
    void configChanged();

    /**
     * Asks the worker that owns queue index to run its handler soon, although the driver did not
     * kick: the device has something for it (an event to post, a frame from another port). Any
     * thread may call it; nothing happens if the queue is not running.
     */
    void wake(int index);

    /**
     * Runs task on the worker that owns queue index (nothing happens if it is not running), where
     * it may use that queue's handler state without locks: e.g. a frame another worker hands over.
     * Any thread may call it; the task goes straight onto the worker's queue of posted work, which
     * the worker drains every round (no event loop, no future). A task that throws breaks that queue.
     */
    default void runOnWorker(int index, Runnable task) {
        runOnWorker(index, task, () -> { });
    }

    /**
     * As above; when the queue is not running (or stops before the task's turn), notRunning runs
     * instead, on whichever thread finds out (the caller, the worker, or the one that stops it), so
     * a task that carries a resource can give it back: it must be safe on any thread.
     */
    void runOnWorker(int index, Runnable task, Runnable notRunning);

    /**
     * Has the worker that runs queue index call onReadable, on that worker, whenever fd is readable,
     * so a device reads a descriptor of its own (a tap) where it may use that queue's state without
     * locks and without a thread of its own. The watch lasts while the queue runs there: it ends
     * before the queue's handler hears that the queue stopped, and with {@link #unwatch}. When the
     * queue does not run, notRunning runs instead (on any thread). onReadable should read a bounded
     * amount per call: what it leaves makes fd readable again.
     */
    void watch(int index, int fd, Runnable onReadable, Runnable notRunning);

    /** Ends a watch of fd on queue index's worker; the stage completes when fd may be closed. */
    CompletionStage<Void> unwatch(int index, int fd);

    /**
     * Completes once every ring worker has finished the round it was in when called: a handler that
     * could still hold something the device took away before the call (a removed LUN's image) has
     * let go of it. Completes on a worker thread.
     */
    CompletionStage<Void> workersPassed();
}
