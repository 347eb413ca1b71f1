package org.vhostvertx.worker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How long a worker polls after its last work: pollNanos, stretched to at least
 * AWAIT_POLL_NANOS while a queue awaits completions, and never in pure interrupt mode.
 */
class RingWorkerPollWindowTest {

    @Test
    void awaitingCompletionsStretchesThePollingWindow() {
        assertEquals(50_000, RingWorker.pollWindow(50_000, false));
        assertEquals(RingWorker.AWAIT_POLL_NANOS, RingWorker.pollWindow(50_000, true));
    }

    @Test
    void aLongerWindowIsKept() {
        assertEquals(5_000_000, RingWorker.pollWindow(5_000_000, true));
        assertEquals(Long.MAX_VALUE, RingWorker.pollWindow(Long.MAX_VALUE, true));
    }

    @Test
    void interruptModeNeverPolls() {
        assertEquals(0, RingWorker.pollWindow(0, true));
        assertEquals(0, RingWorker.pollWindow(0, false));
    }
}
