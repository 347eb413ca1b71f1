package org.vhostvertx.virtq;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vhostvertx.linux.EventFd;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.worker.QueueCounters;
import org.vhostvertx.worker.QueueRunner;
import org.vhostvertx.worker.RingWorker;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A back end killed after it published used buffers and before it called the driver leaves them
 * unseen: the driver waits for a call that no later work makes (a Linux guest's file system hung so
 * in the reconnect chaos test). The back end that takes up the ring calls the driver once.
 */
class RestartCallTest {

    static final int SIZE = 8;

    private RingFixture f;
    private Arena arena;
    private MemorySegment region;
    private final EventFd kick = new EventFd();
    private final EventFd call = new EventFd();
    private final RingWorker worker = new RingWorker("restart-call", 0);

    @BeforeEach
    void setUp() {
        f = new RingFixture();
        arena = Arena.ofConfined();
        region = arena.allocate(Virtqueue.inflightBytes(SIZE), 64);
    }

    @AfterEach
    void tearDown() {
        worker.close();
        kick.close();
        call.close();
        arena.close();
        f.close();
    }

    DriverRing driver(boolean packed) {
        return packed ? new PackedDriverRing(f.ram, SIZE) : new SplitDriverRing(f.ram, SIZE, false);
    }

    static long features(boolean packed) {
        return (packed ? Virtqueue.F_RING_PACKED : 0) | 1L << 32;
    }

    /** Serves the queue on the worker with a handler that does nothing, and waits for the attach. */
    void attach(Virtqueue queue) throws Exception {
        QueueRunner runner = new QueueRunner("dev", 0, queue, (q, c) -> false, new QueueCounters(), kick.fd(),
                call.fd(), t -> { });
        worker.attach(runner).get(5, TimeUnit.SECONDS);
        // The attach task has run: any call it made is in the eventfd.
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void aQueueTakenUpAfterADeathBetweenPublishingAndCallingCallsTheDriver(boolean packed) throws Exception {
        DriverRing driver = driver(packed);
        long buf = f.ram.alloc(4096, 16);
        driver.add(Buf.out(buf, 512));
        Virtqueue first = f.device(driver, features(packed), driver.initialBase(), region);
        assertNull(first.restartState(), "the first back end starts from a new region");
        DescriptorChain chain = new DescriptorChain(SIZE);
        assertTrue(first.pop(chain));
        first.push(chain, 512);
        first.publish();
        // Killed here: the driver was not called.

        Virtqueue second = f.device(driver, features(packed), driver.initialBase(), region);
        assertNotNull(second.restartState());
        attach(second);
        assertEquals(1, call.drain(), "the driver was called once when the ring was taken up");
        assertNotNull(driver.pollUsed(), "the buffer the first back end returned is in the ring");
    }

    @ParameterizedTest(name = "packed={0}")
    @ValueSource(booleans = {false, true})
    void aQueueStartedOnANewRegionDoesNotCall(boolean packed) throws Exception {
        DriverRing driver = driver(packed);
        Virtqueue queue = f.device(driver, features(packed), driver.initialBase(), region);
        attach(queue);
        assertEquals(0, call.drain());
    }
}
