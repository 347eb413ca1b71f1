package org.vhostvertx.device.host;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.worker.RingWorkerPool;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device host runs a device's actions on its event loop, except those the device says block
 * ({@link VirtioDevice#controlBlocks}), which run on a worker thread with the same reply, refusal
 * and event, and which the device's close waits for.
 */
class DeviceHostControlTest {

    private static final String NODE = "n1";
    private static final String ID = "probe0";

    private Vertx vertx;
    private RingWorkerPool pool;
    private ProbeDevice device;
    private String deployment;

    /**
     * Answers where each action ran. "waiting" (blocking) waits until "release" (not blocking)
     * comes, which can only be served meanwhile if the first one left the event loop.
     */
    static final class ProbeDevice implements VirtioDevice {
        private static final Set<String> BLOCKING = Set.of("where-blocking", "refuse-blocking", "waiting");

        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch waiting = new CountDownLatch(1);
        final List<String> ranOnEventLoop = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public DeviceSpec spec() {
            return new DeviceSpec(0x7f, 0, 0, 1, 256, 0);
        }

        @Override
        public byte[] config() {
            return new byte[0];
        }

        @Override
        public QueueHandler queueHandler(int index, long features) {
            throw new UnsupportedOperationException("no queue runs in this test");
        }

        @Override
        public boolean controlBlocks(String action) {
            return BLOCKING.contains(action);
        }

        @Override
        public JsonObject control(String action, JsonObject arguments) {
            if (Context.isOnEventLoopThread()) {
                ranOnEventLoop.add(action);
            }
            JsonObject where = new JsonObject().put("eventLoop", Context.isOnEventLoopThread())
                    .put("thread", Thread.currentThread().getName());
            switch (action) {
                case "where", "where-blocking" -> {
                    return where;
                }
                case "refuse-blocking" -> throw new DeviceException("no capture was made on this device");
                case "waiting" -> {
                    waiting.countDown();
                    try {
                        // Bounded, so that a host that ran this on its event loop fails the test
                        // instead of hanging it.
                        if (!release.await(5, TimeUnit.SECONDS)) {
                            throw new DeviceException("never released");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new DeviceException("interrupted");
                    }
                    return where;
                }
                case "release" -> {
                    release.countDown();
                    return where;
                }
                default -> throw new DeviceException("no action " + action);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @BeforeEach
    void deploy() throws Exception {
        vertx = Vertx.vertx();
        pool = new RingWorkerPool(1, 0);
        device = new ProbeDevice();
        DeviceHost host = new DeviceHost(NODE, ID, "probe", pool, 0, context -> device, List.of());
        deployment = await(vertx.deployVerticle(host));
    }

    @AfterEach
    void close() throws Exception {
        device.release.countDown();
        await(vertx.close());
        pool.close();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Future<JsonObject> request(String action) {
        return vertx.eventBus().<JsonObject>request(Addresses.control(NODE, ID), new JsonObject().put("action", action))
                .map(reply -> reply.body());
    }

    @Test
    void aBlockingActionRunsOnAWorkerThreadAndAnyOtherOnTheEventLoop() throws Exception {
        List<JsonObject> events = new CopyOnWriteArrayList<>();
        await(vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS, m -> events.add(m.body())).completion());

        JsonObject normal = await(request("where"));
        assertTrue(normal.getBoolean("eventLoop"), normal.encode());
        JsonObject blocking = await(request("where-blocking"));
        assertFalse(blocking.getBoolean("eventLoop"), "ran on " + blocking.getString("thread"));
        assertEquals(List.of("where"), device.ranOnEventLoop);

        long deadline = System.nanoTime() + 5_000_000_000L;
        while (events.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of("where", "where-blocking"), events.stream().map(e -> e.getString("action")).toList(),
                "each served action is published, the blocking one too");
    }

    @Test
    void theEventLoopServesOtherActionsWhileABlockingOneWaits() throws Exception {
        Future<JsonObject> waiting = request("waiting");
        assertTrue(device.waiting.await(5, TimeUnit.SECONDS), "the blocking action started");
        JsonObject released = await(request("release"));
        assertTrue(released.getBoolean("eventLoop"), released.encode());
        assertFalse(await(waiting).getBoolean("eventLoop"));
    }

    @Test
    void aBlockingActionsRefusalFailsTheRequestWith400AndItsMessage() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(request("refuse-blocking")));
        ReplyException refusal = assertInstanceOf(ReplyException.class, e.getCause());
        assertEquals(400, refusal.failureCode());
        assertEquals("no capture was made on this device", refusal.getMessage());
        assertEquals(List.of(), device.ranOnEventLoop, "the refused action ran off the event loop too");
    }

    @Test
    void theDeviceClosesOnlyAfterItsBlockingActionsReturn() throws Exception {
        Future<JsonObject> waiting = request("waiting");
        assertTrue(device.waiting.await(5, TimeUnit.SECONDS), "the blocking action started");
        Future<Void> undeployed = vertx.undeploy(deployment);
        Thread.sleep(200);
        assertFalse(device.closed, "closed while an action still used the device");
        assertFalse(undeployed.isComplete());
        device.release.countDown();
        await(undeployed);
        assertTrue(device.closed);
        assertFalse(await(waiting).getBoolean("eventLoop"), "the action's reply still comes");
    }
}
