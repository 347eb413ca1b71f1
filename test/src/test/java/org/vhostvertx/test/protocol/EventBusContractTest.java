package org.vhostvertx.test.protocol;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster-wide JSON the README documents: lifecycle on vhost.events, counters on vhost.stats. */
@ExtendWith(VertxExtension.class)
class EventBusContractTest {

    @TempDir
    Path dir;

    @Test
    void lifecycleAndStatsArePublished(VertxTestContext test) throws Throwable {
        Path socket = dir.resolve("d.sock");
        JsonObject config = Backend.config(new JsonObject().put("id", "d").put("type", "blk")
                .put("socket", socket.toString()).put("ram", true).put("size", "1M")).put("statsMillis", 50);
        List<JsonObject> events = new CopyOnWriteArrayList<>();
        List<JsonObject> stats = new CopyOnWriteArrayList<>();
        try (Backend backend = Backend.start(config)) {
            backend.vertx().eventBus().<JsonObject>consumer("vhost.events", m -> events.add(m.body()));
            backend.vertx().eventBus().<JsonObject>consumer("vhost.stats", m -> stats.add(m.body()));
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                BlkDriver.Slot s = blk.slot(4096);
                for (int i = 0; i < 10; i++) {
                    assertEquals(0, blk.read(s, i, 4096));
                }
            }
            backend.vertx().setPeriodic(20, t -> test.verify(() -> {
                boolean disconnected = events.stream().anyMatch(e -> "disconnected".equals(e.getString("event")));
                boolean counted = stats.stream().anyMatch(s -> s.getJsonArray("queues").stream()
                        .map(JsonObject.class::cast).anyMatch(q -> q.getLong("requests") == 10
                                && q.getLong("bytes") == 10 * 4096));
                if (disconnected && counted) {
                    List<String> names = events.stream().map(e -> e.getString("event")).toList();
                    assertEquals("connected", names.getFirst());
                    assertTrue(names.indexOf("features") < names.indexOf("queue-started"), names.toString());
                    assertTrue(names.indexOf("queue-started") < names.indexOf("disconnected"), names.toString());
                    events.forEach(e -> assertEquals("d", e.getString("device")));
                    events.forEach(e -> assertEquals("blk", e.getString("type")));
                    JsonObject last = stats.getLast();
                    assertEquals(1048576L, last.getJsonObject("info").getLong("size"));
                    test.completeNow();
                }
            }));
            assertTrue(test.awaitCompletion(20, TimeUnit.SECONDS), "events and stats within 20 s");
            if (test.failed()) {
                throw test.causeOfFailure();
            }
        }
    }
}
