package org.vhostvertx.test.bench;

import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * A closed-loop load on one queue: every completed request is checked and replaced by a new one,
 * so the queue depth stays constant. Counts completions after a warm-up.
 */
final class ClosedLoop<S> {

    private final FrontEnd.Queue queue;
    private final List<S> slots;
    private final ToIntFunction<S> submit;
    private final Predicate<S> good;

    /**
     * @param submit queues a new request in the slot and returns its id (no kick)
     * @param good   whether the slot's completed request succeeded
     */
    ClosedLoop(FrontEnd.Queue queue, List<S> slots, ToIntFunction<S> submit, Predicate<S> good) {
        this.queue = queue;
        this.slots = slots;
        this.submit = submit;
        this.good = good;
    }

    /** Requests per second over seconds, after 0.3 s of warm-up. */
    double run(double seconds) throws IOException {
        Map<Integer, S> byId = new HashMap<>();
        for (S s : slots) {
            byId.put(submit.applyAsInt(s), s);
        }
        queue.kickIfNeeded();
        long warmEnd = System.nanoTime() + 300_000_000L;
        long end = warmEnd + (long) (seconds * 1e9);
        long counted = 0;
        long now;
        while ((now = System.nanoTime()) < end) {
            DriverRing.Used u = queue.ring.pollUsed();
            if (u == null) {
                Thread.onSpinWait();
                continue;
            }
            S s = byId.remove(u.id());
            if (s == null || !good.test(s)) {
                throw new IOException("request " + u.id() + " failed");
            }
            if (now >= warmEnd) {
                counted++;
            }
            byId.put(submit.applyAsInt(s), s);
            queue.kickIfNeeded();
        }
        return counted / seconds;
    }
}
