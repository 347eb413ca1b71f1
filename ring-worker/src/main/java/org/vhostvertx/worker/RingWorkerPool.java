package org.vhostvertx.worker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The configured ring workers; a new queue goes to the least loaded one. */
public final class RingWorkerPool implements AutoCloseable {

    private final List<RingWorker> workers = new ArrayList<>();
    private final Map<String, RingWorker> groups = new HashMap<>();
    private final Map<String, Integer> groupMembers = new HashMap<>();
    /** Queues placed on each worker, counted when placed (a worker learns of them a little later). */
    private final Map<RingWorker, Integer> placed = new HashMap<>();

    public RingWorkerPool(int count, long pollNanos) {
        if (count < 1) {
            throw new IllegalArgumentException("workers must be at least 1, was " + count);
        }
        for (int i = 0; i < count; i++) {
            workers.add(new RingWorker("ring-worker-" + i, pollNanos));
        }
    }

    public synchronized RingWorker leastLoaded() {
        return workers.stream().min(Comparator.comparingInt(w -> placed.getOrDefault(w, 0))).orElseThrow();
    }

    /**
     * The worker for a new queue of group (see VirtioDevice.queueGroup): the group's worker while
     * any of its queues runs, else the least loaded one. Pair every call with {@link #release}.
     */
    public synchronized RingWorker acquire(String group) {
        RingWorker w = group == null ? leastLoaded() : groups.computeIfAbsent(group, g -> leastLoaded());
        if (group != null) {
            groupMembers.merge(group, 1, Integer::sum);
        }
        placed.merge(w, 1, Integer::sum);
        return w;
    }

    /** A queue of group that ran on worker stopped. */
    public synchronized void release(String group, RingWorker worker) {
        placed.merge(worker, -1, Integer::sum);
        if (group != null && groupMembers.merge(group, -1, Integer::sum) <= 0) {
            groupMembers.remove(group);
            groups.remove(group);
        }
    }

    /**
     * Completes once every worker has finished the round it was in when called (a stopped worker
     * counts as finished): afterwards no handler still uses what a device stopped publishing before
     * the call, such as a removed LUN.
     */
    public CompletableFuture<Void> barrier() {
        CompletableFuture<?>[] passed = workers.stream()
                .map(w -> w.submit(() -> null).exceptionally(stopped -> null))
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(passed);
    }

    @Override
    public void close() {
        workers.forEach(RingWorker::close);
    }
}
