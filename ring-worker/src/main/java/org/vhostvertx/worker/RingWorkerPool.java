package org.vhostvertx.worker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The configured ring workers; a new queue goes to the least loaded one. */
public final class RingWorkerPool implements AutoCloseable {

    private final List<RingWorker> workers = new ArrayList<>();

    public RingWorkerPool(int count, long pollNanos) {
        if (count < 1) {
            throw new IllegalArgumentException("workers must be at least 1, was " + count);
        }
        for (int i = 0; i < count; i++) {
            workers.add(new RingWorker("ring-worker-" + i, pollNanos));
        }
    }

    public synchronized RingWorker leastLoaded() {
        return workers.stream().min(Comparator.comparingInt(RingWorker::queueCount)).orElseThrow();
    }

    public List<RingWorker> workers() {
        return List.copyOf(workers);
    }

    @Override
    public void close() {
        workers.forEach(RingWorker::close);
    }
}
