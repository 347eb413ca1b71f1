package org.vhostvertx.storage;

import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.util.function.Consumer;

/**
 * The part every disk's request queue shares: a {@link ChainIo} made on the worker at the first
 * round (a queue that never runs holds no io_uring), its completions taken at the start of each
 * round and its eventfd watched while the worker sleeps, requests popped into free
 * {@link IoRequest}s while there are any (none free: the rest waits in the ring and the worker may
 * sleep), one submission per round, and the winding down: in-flight requests finished before the
 * queue is parked or remapped, and waited for (not returned) when it broke.
 */
public abstract class DiskQueueHandler implements QueueHandler {

    /** Requests started per round before the worker looks at its other queues. */
    private static final int BUDGET = 64;

    private final DeviceContext context;
    private final int index;
    private final int depth;
    private final Consumer<String> engineReport;
    protected ChainIo io;
    protected Virtqueue queue;
    protected QueueCounters counters;
    private boolean stopped;

    /**
     * For queue index of a device with context; up to depth requests in flight; engineReport hears
     * which engine the queue got ({@link ChainIo#engine()}), for the device's stats.
     */
    protected DiskQueueHandler(DeviceContext context, int index, int depth, Consumer<String> engineReport) {
        this.context = context;
        this.index = index;
        this.depth = depth;
        this.engineReport = engineReport;
    }

    /** Starts the request popped into r's chain (through {@link #io}), or answers it and gives r back. */
    protected abstract void start(IoRequest r);

    /** A request {@link #start} started through {@link #io} finished: answer it and push its chain. */
    protected abstract void finished(IoRequest r, long result);

    /** Whether the engine lets requests wait (io_uring), rather than finishing them inside the call. */
    protected final boolean asynchronous() {
        return io.eventFd() >= 0;
    }

    @Override
    public final boolean process(Virtqueue queue, QueueCounters counters) {
        this.queue = queue;
        this.counters = counters;
        if (io == null) {
            open();
        }
        boolean finished = io.complete();
        int started = 0;
        while (started < BUDGET) {
            IoRequest r = io.take();
            if (r == null) {
                break;
            }
            if (!queue.pop(r.chain())) {
                io.giveBack(r);
                break;
            }
            started++;
            start(r);
        }
        io.submit();
        return finished || started > 0;
    }

    private void open() {
        io = ChainIo.open(depth, this::completed);
        engineReport.accept(io.engine());
        if (io.eventFd() >= 0) {
            // Completions wake the worker while it sleeps; each round takes them anyway.
            ChainIo engine = io;
            context.watch(index, engine.eventFd(), engine::clearWakeups, () -> { });
        }
    }

    private void completed(IoRequest r, long result) {
        if (!stopped) {
            finished(r, result);
        } else {
            abandoned(r);
        }
    }

    /** A request finished after its queue broke: nothing goes back to the driver; release what it held. */
    protected void abandoned(IoRequest r) {
    }

    /** Requests are at the disk (io_uring): their completions come without the driver. */
    @Override
    public final boolean awaitsCompletions() {
        return io != null && io.inFlight() > 0;
    }

    @Override
    public final boolean wantsBuffers() {
        return io == null || io.hasRoom();
    }

    @Override
    public final void quiesce(Virtqueue queue, QueueCounters counters) {
        this.queue = queue;
        this.counters = counters;
        if (io != null) {
            io.drain();
        }
    }

    @Override
    public final void stopped() {
        // A broken queue takes no buffers back: what finishes now only has to end before its memory goes.
        stopped = true;
        if (io != null) {
            io.close();
        }
    }
}
