package org.vhostvertx.worker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.linux.EventFd;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Work posted to a worker's queue runs on the worker, or is given back when it cannot. */
class RingWorkerPostTest {

    final EventFd kick = new EventFd();
    final RingWorker worker = new RingWorker("post-test", 0);

    @AfterEach
    void close() {
        worker.close();
        kick.close();
    }

    QueueRunner runner(Runnable onFailure) {
        return new QueueRunner("dev", 0, new EmptyQueue(), (q, c) -> false, new QueueCounters(), kick.fd(), -1,
                t -> onFailure.run());
    }

    @Test
    void aPostToAnAttachedQueueRunsOnTheWorkerEvenWhenItSleeps() throws Exception {
        QueueRunner r = runner(() -> { });
        worker.attach(r).get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 100; i++) {
            // pollNanos 0: the worker is back in epoll between posts.
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            worker.post(r, () -> ranOn.complete(Thread.currentThread()), () -> ranOn.completeExceptionally(
                    new AssertionError("refused although attached")));
            assertEquals("post-test", ranOn.get(5, TimeUnit.SECONDS).getName());
        }
    }

    @Test
    void aPostToADetachedQueueIsGivenBack() throws Exception {
        QueueRunner r = runner(() -> { });
        worker.attach(r).get(5, TimeUnit.SECONDS);
        worker.detach(r).get(5, TimeUnit.SECONDS);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        worker.post(r, () -> outcome.complete("ran"), () -> outcome.complete("given back"));
        assertEquals("given back", outcome.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aPostAfterTheWorkerStoppedIsGivenBackOnThePostersThread() throws Exception {
        QueueRunner r = runner(() -> { });
        worker.attach(r).get(5, TimeUnit.SECONDS);
        worker.close();
        AtomicInteger ran = new AtomicInteger();
        Thread[] givenBackOn = new Thread[1];
        worker.post(r, ran::incrementAndGet, () -> givenBackOn[0] = Thread.currentThread());
        assertEquals(0, ran.get());
        assertSame(Thread.currentThread(), givenBackOn[0]);
    }

    @Test
    void aPostedTaskThatThrowsBreaksItsQueueOnly() throws Exception {
        CompletableFuture<Void> failed = new CompletableFuture<>();
        QueueRunner r = runner(() -> failed.complete(null));
        worker.attach(r).get(5, TimeUnit.SECONDS);
        worker.post(r, () -> {
            throw new IllegalStateException("a ring error while delivering");
        }, () -> { });
        failed.get(5, TimeUnit.SECONDS);
        assertTrue(r.broken());
        // The worker goes on with other work.
        assertEquals(7, worker.submit(() -> 7).get(5, TimeUnit.SECONDS));
    }

    /** A ring with nothing in it: the tests are about the worker, not the ring. */
    static final class EmptyQueue implements Virtqueue {
        public int size() { return 16; }
        public boolean pop(DescriptorChain chain) { return false; }
        public void rewind(DescriptorChain chain) { }
        public void push(DescriptorChain chain, int writtenLength) { }
        public boolean publish() { return false; }
        @Override
        public void publishUsed() { }
        public void disableNotifications() { }
        public boolean enableNotifications() { return false; }
        public boolean hasAvailable() { return false; }
        public int inFlight() { return 0; }
        public int vringBase() { return 0; }
        public void remap(GuestMemory memory) { }
        public void log(org.vhostvertx.memory.DirtyLog log, boolean logRing) { }
    }
}
