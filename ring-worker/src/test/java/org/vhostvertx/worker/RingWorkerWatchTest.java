package org.vhostvertx.worker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.linux.EventFd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A device's descriptor watched by the worker of one of its queues, sleeping or polling. */
class RingWorkerWatchTest {

    @ParameterizedTest(name = "pollNanos {0}")
    @ValueSource(longs = {0, 60_000_000_000L})
    void aWatchedDescriptorIsReadOnTheWorkerWhileItsQueueRuns(long pollNanos) throws Exception {
        try (RingWorker worker = new RingWorker("watch-test", pollNanos);
             EventFd kick = new EventFd();
             EventFd watched = new EventFd()) {
            QueueRunner r = new QueueRunner("dev", 0, new RingWorkerPostTest.EmptyQueue(), (q, c) -> false,
                    new QueueCounters(), kick.fd(), -1, t -> { });
            worker.attach(r).get(5, TimeUnit.SECONDS);
            LinkedBlockingQueue<String> reads = new LinkedBlockingQueue<>();
            CompletableFuture<Void> refused = new CompletableFuture<>();
            worker.watch(r, watched.fd(), () -> reads.add(Thread.currentThread().getName() + " " + watched.drain()),
                    () -> refused.complete(null));
            for (int i = 1; i <= 3; i++) {
                watched.signal();
                assertEquals("watch-test 1", reads.poll(10, TimeUnit.SECONDS), "read " + i + " on the worker");
            }
            worker.detach(r).get(5, TimeUnit.SECONDS);
            watched.signal();
            // The watch ended with the queue: a round trip through the worker, then nothing was read.
            worker.submit(() -> null).get(5, TimeUnit.SECONDS);
            Thread.sleep(50);
            assertNull(reads.poll(), "read after the queue stopped");
            assertEquals(false, refused.isDone());
        }
    }
}
