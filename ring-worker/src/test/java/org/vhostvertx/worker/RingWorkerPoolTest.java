package org.vhostvertx.worker;

import org.junit.jupiter.api.Test;
import org.vhostvertx.linux.EventFd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingWorkerPoolTest {

    @Test
    void theBarrierWaitsForTheRoundInProgressOnEveryWorker() throws Exception {
        try (RingWorkerPool pool = new RingWorkerPool(2, 0); EventFd kick = new EventFd()) {
            CountDownLatch inRound = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            QueueRunner busy = new QueueRunner("dev", 0, new RingWorkerPostTest.EmptyQueue(), (q, c) -> {
                inRound.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }, new QueueCounters(), kick.fd(), -1, t -> { });
            RingWorker worker = pool.acquire(null);
            worker.attach(busy).get(5, TimeUnit.SECONDS);
            assertTrue(inRound.await(5, TimeUnit.SECONDS), "the handler runs");

            CompletableFuture<Void> passed = pool.barrier();
            // The other worker is idle and passes at once; this one is inside its round.
            Thread.sleep(100);
            assertFalse(passed.isDone(), "the barrier passed while a round was in progress");
            release.countDown();
            passed.get(5, TimeUnit.SECONDS);
        }
    }
}
