package org.vhostvertx.test.conformance;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chain with no device-readable bytes, or too few for the request's header, on any queue of any
 * device: counted as an error, returned to the driver, and the queue goes on serving.
 */
class ShortChainTest {

    static final long NEEDS_RESET = 0x40;

    @TempDir
    static Path dir;
    static Backend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.start(Backend.config(
                device("blk", "blk").put("ram", true).put("size", "1M"),
                device("scsi", "scsi").put("luns", new JsonArray().add(new JsonObject().put("ram", true).put("size", "1M"))),
                device("reflect", "net").put("port", "reflect"),
                device("switched", "net").put("port", "switch").put("switch", "short-chains")));
    }

    static JsonObject device(String id, String type) {
        return new JsonObject().put("id", id).put("type", type).put("socket", dir.resolve(id + ".sock").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    /** device, its queue count, the queue under test, the ring layout. */
    static Stream<Arguments> queues() {
        List<Arguments> all = new ArrayList<>();
        for (boolean packed : new boolean[]{false, true}) {
            all.add(Arguments.of("blk", 1, 0, packed));
            all.add(Arguments.of("scsi", 3, 0, packed));
            all.add(Arguments.of("scsi", 3, 2, packed));
            all.add(Arguments.of("reflect", 3, 1, packed));
            all.add(Arguments.of("reflect", 3, 2, packed));
            all.add(Arguments.of("switched", 3, 1, packed));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} queue {2}, packed {3}")
    @MethodSource("queues")
    void anEmptyOrHeaderlessChainIsCountedReturnedAndTheQueueGoesOn(String id, int queues, int index, boolean packed)
            throws Exception {
        FrontEnd.Options options = (packed ? FrontEnd.Options.packedRing() : FrontEnd.Options.split()).withQueues(queues);
        try (GuestRam ram = new GuestRam(0, 4 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve(id + ".sock"), ram, options)) {
            if (id.equals("reflect") || id.equals("switched")) {
                // Receive buffers, so a transmitted frame is not held back for lack of room.
                for (int i = 0; i < 4; i++) {
                    fe.queue(0).ring.add(Buf.out(ram.alloc(2048, 16), 2048));
                }
                fe.queue(0).kickIfNeeded();
            }
            long errors = errors(id, index);
            FrontEnd.Queue q = fe.queue(index);
            int empty = q.ring.add(Buf.in(ram.alloc(16, 16), 0));
            q.kickIfNeeded();
            assertEquals(empty, q.awaitUsed(10_000).id(), "a chain of 0 bytes comes back");
            int writableOnly = q.ring.add(Buf.out(ram.alloc(16, 16), 1));
            q.kickIfNeeded();
            assertEquals(writableOnly, q.awaitUsed(10_000).id(), "a chain with nothing to read comes back");
            int tooShort = q.ring.add(Buf.in(ram.alloc(16, 16), 1), Buf.out(ram.alloc(16, 16), 1));
            q.kickIfNeeded();
            assertEquals(tooShort, q.awaitUsed(10_000).id(), "a chain shorter than any header comes back");
            assertEquals(0, fe.status() & NEEDS_RESET, "the device goes on");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (errors(id, index) < errors + 3) {
                assertTrue(System.nanoTime() < deadline, "three errors counted on queue " + index + " of " + id
                        + ", have " + (errors(id, index) - errors));
                Thread.sleep(10);
            }
            assertEquals(errors + 3, errors(id, index));
        }
    }

    static long errors(String id, int index) throws Exception {
        JsonObject stats = backend.vertx().eventBus()
                .<JsonObject>request(Backend.controlAddress(id), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
        for (Object o : stats.getJsonArray("queues")) {
            JsonObject q = (JsonObject) o;
            if (q.getInteger("index") == index) {
                return q.getLong("errors");
            }
        }
        return 0;
    }
}
