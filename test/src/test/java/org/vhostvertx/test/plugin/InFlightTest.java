package org.vhostvertx.test.plugin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "inFlight" in the stats is what the device holds: buffers taken from the driver and not yet
 * returned. The echo device holds a buffer starting with 'H' until one starting with 'R' comes.
 */
class InFlightTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "packed {0}")
    @ValueSource(booleans = {false, true})
    void aHeldBufferCountsAsInFlightUntilItIsReturned(boolean packed) throws Exception {
        Path socket = dir.resolve("echo.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "e").put("type", "echo")
                .put("socket", socket.toString())));
             GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, packed ? FrontEnd.Options.packedRing() : FrontEnd.Options.split())) {
            FrontEnd.Queue q = fe.queue(0);
            int hold = submit(ram, q, "H: answer later");
            awaitInFlight(backend, 1);
            assertNull(q.ring.pollUsed(), "the held buffer is not returned yet");
            int echo = submit(ram, q, "plain");
            assertEquals(echo, q.awaitUsed(10_000).id(), "other buffers are served meanwhile");
            awaitInFlight(backend, 1);
            int release = submit(ram, q, "R: now");
            Set<Integer> returned = new HashSet<>();
            returned.add(q.awaitUsed(10_000).id());
            returned.add(q.awaitUsed(10_000).id());
            assertEquals(Set.of(hold, release), returned);
            awaitInFlight(backend, 0);
        }
    }

    static int submit(GuestRam ram, FrontEnd.Queue q, String text) {
        byte[] b = text.getBytes();
        long in = ram.alloc(b.length, 8);
        ram.write(in, b);
        int id = q.ring.add(DriverRing.Buf.in(in, b.length), DriverRing.Buf.out(ram.alloc(64, 8), 64));
        q.kickIfNeeded();
        return id;
    }

    static void awaitInFlight(Backend backend, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long now;
        while ((now = inFlight(backend)) != expected) {
            assertTrue(System.nanoTime() < deadline, "inFlight " + now + ", expected " + expected);
            Thread.sleep(10);
        }
    }

    static long inFlight(Backend backend) throws Exception {
        JsonObject stats = backend.vertx().eventBus()
                .<JsonObject>request(Backend.controlAddress("e"), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
        return stats.getJsonArray("queues").getJsonObject(0).getLong("inFlight");
    }
}
