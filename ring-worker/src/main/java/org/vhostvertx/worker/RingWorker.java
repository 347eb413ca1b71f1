package org.vhostvertx.worker;

import org.vhostvertx.linux.EventFd;
import org.vhostvertx.linux.Linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A dedicated platform thread that serves the queues attached to it.
 *
 * <p>It busy-polls its queues while they have work and for {@code pollNanos} after the last work
 * (with the drivers' kicks suppressed), then re-enables kicks and sleeps in epoll on the kick
 * eventfds; while a queue awaits completions (disk I/O in flight) it polls at least
 * {@link #AWAIT_POLL_NANOS}. pollNanos 0 is pure interrupt mode; a very large value is pure polling. A queue belongs
 * to one worker, so the data path takes no locks: the control side talks to a worker only through
 * commands that run on its thread between rounds.
 */
public final class RingWorker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RingWorker.class.getName());
    private static final int MAX_EVENTS = 64;
    private static final long WAKEUP_DATA = -1L;

    /**
     * How long a polling worker goes on polling after its last work while a queue awaits
     * completions. A disk under load completes requests every few tens of microseconds, but each
     * one hundreds of microseconds after it started: with only pollNanos (50 µs by default) the
     * worker slept between them, and every completion then had to wake a halted virtual CPU.
     * bin/bench blk disk, 4 KiB random reads at QD32: 63,304 IOPS before, 69,699 with this (qsd
     * tuned 74,275 in the same run).
     */
    static final long AWAIT_POLL_NANOS = 1_000_000;

    private final String name;
    private final long pollNanos;
    private final int epfd;
    private final EventFd wakeup = new EventFd();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Submitted tasks not finished yet: refused at close if the thread ended before running them. */
    private final Set<CompletableFuture<?>> open = ConcurrentHashMap.newKeySet();
    /** Work other threads hand to one of our queues (see post): drained every round. */
    private final ConcurrentLinkedQueue<Posted> posted = new ConcurrentLinkedQueue<>();
    private final List<QueueRunner> runners = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;
    /** Set while the thread is (about to be) blocked in epoll: only then must a poster wake it. */
    private volatile boolean sleeping;
    private boolean closed;

    private record Posted(QueueRunner runner, Runnable task, Runnable notRunning) {
    }

    /** A device's descriptor this worker watches for its queue runner (see watch). */
    private record Watch(QueueRunner runner, int fd, Runnable onReadable) {
    }

    /** epoll data of a watched descriptor: the fd with this bit, so it is never taken for a kick. */
    private static final long WATCH_TAG = 1L << 32;
    /** While polling, watched descriptors are looked at every this many rounds. */
    private static final int WATCH_POLL_ROUNDS = 64;
    private final List<Watch> watches = new ArrayList<>();

    public RingWorker(String name, long pollNanos) {
        this.name = name;
        this.pollNanos = pollNanos;
        this.epfd = Linux.epollCreate();
        Linux.epollAdd(epfd, wakeup.fd(), Linux.EPOLLIN, WAKEUP_DATA);
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
        this.thread.start();
    }

    public String name() {
        return name;
    }

    /** Runs task on the worker thread between rounds. */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (stopping) {
            f.completeExceptionally(stoppedException());
            return f;
        }
        open.add(f);
        f.whenComplete((v, t) -> open.remove(f));
        commands.add(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        wakeup.signal();
        if (stopping && !thread.isAlive()) {
            // We stopped while this was added, after the last commands ran: it will never run.
            f.completeExceptionally(stoppedException());
        }
        return f;
    }

    private IllegalStateException stoppedException() {
        return new IllegalStateException(name + " is stopped");
    }

    /** Starts serving a queue. */
    public CompletableFuture<Void> attach(QueueRunner runner) {
        return submit(() -> {
            runners.add(runner);
            if (runner.kickFd() >= 0) {
                Linux.epollAdd(epfd, runner.kickFd(), Linux.EPOLLIN, runner.kickFd());
            }
            // Buffers may have been made available before we were listening: look at once.
            runner.queue().disableNotifications();
            if (runner.queue().restartState() != null) {
                // A back end killed between publishing used buffers and calling the driver left
                // them unseen, and nothing we do now would call: call once (a spare call is harmless).
                runner.call();
            }
            return null;
        });
    }

    /**
     * Runs task on this worker between rounds if runner is still attached to it, else notRunning
     * (on whichever thread finds out: the worker, or the poster when the worker has stopped), so a
     * task that carries a resource (a frame buffer) can give it back. Any thread may post; it costs
     * one small object and, only while the worker sleeps, one eventfd write. A task that throws
     * breaks runner's queue, as its handler throwing would.
     */
    public void post(QueueRunner runner, Runnable task, Runnable notRunning) {
        posted.add(new Posted(runner, task, notRunning));
        if (stopping && !thread.isAlive()) {
            refusePosted();
        } else if (sleeping) {
            wakeup.signal();
        }
    }

    private void runPosted() {
        Posted p;
        while ((p = posted.poll()) != null) {
            if (!runners.contains(p.runner())) {
                p.notRunning().run();
                continue;
            }
            try {
                p.task().run();
            } catch (RuntimeException | InternalError e) {
                fail(p.runner(), e);
            }
        }
    }

    /** The worker has stopped: what was posted will never run. */
    private void refusePosted() {
        Posted p;
        while ((p = posted.poll()) != null) {
            try {
                p.notRunning().run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, name + ": giving back a task that could not run failed", e);
            }
        }
    }

    /**
     * Calls onReadable on this worker whenever fd is readable, for as long as runner is attached
     * here (the watch ends when the queue stops or fails, before its handler hears of it), or until
     * {@link #unwatch}. Looked at in epoll while the worker sleeps and every few rounds while it
     * polls. onReadable should read a bounded amount: what is left makes fd readable again. When
     * runner is not attached, notRunning runs instead (see post).
     */
    public void watch(QueueRunner runner, int fd, Runnable onReadable, Runnable notRunning) {
        post(runner, () -> {
            watches.add(new Watch(runner, fd, onReadable));
            Linux.epollAdd(epfd, fd, Linux.EPOLLIN, WATCH_TAG | fd);
        }, notRunning);
    }

    /** Stops watching fd; done when the future completes (then fd may be closed). */
    public CompletableFuture<Void> unwatch(int fd) {
        return submit(() -> {
            for (int i = watches.size() - 1; i >= 0; i--) {
                if (watches.get(i).fd() == fd) {
                    endWatch(watches.remove(i));
                }
            }
            return null;
        });
    }

    private void endWatch(Watch w) {
        try {
            Linux.epollDelete(epfd, w.fd());
        } catch (RuntimeException e) {
            // Closed already by its owner: the kernel dropped it from the epoll set then.
        }
    }

    private void endWatchesOf(QueueRunner runner) {
        for (int i = watches.size() - 1; i >= 0; i--) {
            if (watches.get(i).runner() == runner) {
                endWatch(watches.remove(i));
            }
        }
    }

    private void readable(int fd) {
        for (int i = 0; i < watches.size(); i++) {
            Watch w = watches.get(i);
            if (w.fd() == fd) {
                try {
                    w.onReadable().run();
                } catch (RuntimeException | InternalError e) {
                    // The device's reader failed on this descriptor: its queues are not at fault.
                    LOG.log(Level.WARNING, name + ": reading watched fd " + fd + " for " + w.runner() + " failed", e);
                }
                return;
            }
        }
    }

    /** Serves runner once on this worker, if it is still attached (a device woke it). */
    public void wake(QueueRunner runner) {
        commands.add(() -> {
            if (runners.contains(runner)) {
                serviceSafely(runner);
                flushAll();
            }
        });
        wakeup.signal();
    }

    /** Parks a queue and returns its ring state for GET_VRING_BASE. */
    public CompletableFuture<Integer> detach(QueueRunner runner) {
        return submit(() -> {
            if (runners.remove(runner)) {
                endWatchesOf(runner);
                if (runner.kickFd() >= 0) {
                    Linux.epollDelete(epfd, runner.kickFd());
                }
                if (!runner.broken()) {
                    // Completed buffers must reach the driver before the ring changes hands.
                    try {
                        runner.quiesce();
                        if (runner.queue().publish()) {
                            runner.call();
                        }
                        runner.stopped();
                    } catch (RuntimeException | InternalError e) {
                        runner.fail(e);
                    }
                }
            }
            return runner.queue().vringBase();
        });
    }

    private void loop() {
        MemorySegment events = Arena.ofAuto().allocate((long) MAX_EVENTS * Linux.EPOLL_EVENT_SIZE, 8);
        long idleSince = System.nanoTime();
        int rounds = 0;
        while (!stopping) {
            runCommands();
            runPosted();
            if (!watches.isEmpty() && ++rounds % WATCH_POLL_ROUNDS == 0) {
                // Polling never reaches epoll_wait: look at the watched descriptors now and then.
                dispatch(events, Linux.epollWait(epfd, events, MAX_EVENTS, 0));
            }
            boolean work = false;
            for (int i = 0; i < runners.size(); i++) {
                work |= serviceSafely(runners.get(i));
            }
            flushAll();
            if (work) {
                idleSince = 0;
                continue;
            }
            if (idleSince == 0) {
                idleSince = System.nanoTime();
            }
            if (System.nanoTime() - idleSince < pollWindow(pollNanos, pollNanos > 0 && awaitingCompletions())) {
                Thread.onSpinWait();
                continue;
            }
            // Posters read sleeping after adding: set it before looking at their queue, so one of
            // us always sees the other and no post waits for an unrelated wake-up.
            sleeping = true;
            if (!enableKicks() && commands.isEmpty() && posted.isEmpty()) {
                dispatch(events, Linux.epollWait(epfd, events, MAX_EVENTS, hasPollingOnlyQueue() ? 1 : -1));
            }
            sleeping = false;
            disableKicks();
            idleSince = System.nanoTime();
        }
        runCommands();
        refusePosted();
    }

    /**
     * How long after its last work the worker polls before it sleeps: pollNanos, or at least
     * {@link #AWAIT_POLL_NANOS} while a queue awaits completions; never in pure interrupt mode
     * (pollNanos 0).
     */
    static long pollWindow(long pollNanos, boolean awaiting) {
        return pollNanos > 0 && awaiting ? Math.max(pollNanos, AWAIT_POLL_NANOS) : pollNanos;
    }

    private boolean awaitingCompletions() {
        for (int i = 0; i < runners.size(); i++) {
            if (runners.get(i).awaitsCompletions()) {
                return true;
            }
        }
        return false;
    }

    /** Handles n events epoll_wait returned: the wake-up, kicks, watched descriptors. */
    private void dispatch(MemorySegment events, int n) {
        for (int i = 0; i < n; i++) {
            long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * Linux.EPOLL_EVENT_SIZE + 4);
            if (data == WAKEUP_DATA) {
                wakeup.drain();
            } else if ((data & WATCH_TAG) != 0) {
                readable((int) data);
            } else {
                kicked((int) data);
            }
        }
    }

    private boolean hasPollingOnlyQueue() {
        for (QueueRunner r : runners) {
            if (r.kickFd() < 0) {
                return true;
            }
        }
        return false;
    }

    private void kicked(int fd) {
        long count = Linux.eventfdDrain(fd);
        if (count <= 0) {
            return;
        }
        for (QueueRunner r : runners) {
            if (r.kickFd() == fd) {
                r.kicked(count);
            }
        }
    }

    /** Re-enables kicks everywhere; true when some queue got buffers meanwhile. */
    private boolean enableKicks() {
        boolean pending = false;
        for (int i = 0; i < runners.size(); i++) {
            QueueRunner r = runners.get(i);
            try {
                pending |= r.queue().enableNotifications() && r.wantsBuffers();
            } catch (RuntimeException | InternalError e) {
                fail(r, e);
                i--;
            }
        }
        return pending;
    }

    private void disableKicks() {
        for (int i = 0; i < runners.size(); i++) {
            QueueRunner r = runners.get(i);
            try {
                r.queue().disableNotifications();
            } catch (RuntimeException | InternalError e) {
                fail(r, e);
                i--;
            }
        }
    }

    private boolean serviceSafely(QueueRunner r) {
        try {
            return r.process();
        } catch (RuntimeException | InternalError e) {
            // InternalError is how HotSpot reports a SIGBUS in guest memory the front end truncated.
            fail(r, e);
            return false;
        }
    }

    /** Publishes every queue's used buffers after the round, so work one handler did for another goes out now. */
    private void flushAll() {
        for (int i = 0; i < runners.size(); i++) {
            QueueRunner r = runners.get(i);
            try {
                r.flush();
            } catch (RuntimeException | InternalError e) {
                fail(r, e);
                i--;
            }
        }
    }

    private void fail(QueueRunner r, Throwable e) {
        runners.remove(r);
        endWatchesOf(r);
        if (r.kickFd() >= 0) {
            Linux.epollDelete(epfd, r.kickFd());
        }
        try {
            r.fail(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "failure handler of " + r + " threw", ex);
        }
    }

    private void runCommands() {
        Runnable c;
        while ((c = commands.poll()) != null) {
            c.run();
        }
    }

    /** Stops the thread and releases its descriptors; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        wakeup.signal();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            for (CompletableFuture<?> f : open) {
                f.completeExceptionally(stoppedException());
            }
            refusePosted();
        }
        Linux.close(epfd);
        wakeup.close();
    }
}
