package org.vhostvertx.test.protocol;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.SplitDriverRing;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster-wide JSON the README documents and the web console is written against: lifecycle on
 * vhost.events and counters on vhost.stats, both stamped with node and ts; device actions on
 * vhost.control.NODE.ID; and the node's report of its devices on vhost.node.NODE.
 */
class EventBusContractTest {

    static final String NODE = Backend.NODE;

    @TempDir
    Path dir;

    JsonObject disk(String id) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("ram", true).put("size", "1M");
    }

    static JsonObject device(JsonObject report, String id) {
        return report.getJsonArray("devices").stream().map(JsonObject.class::cast)
                .filter(d -> d.getString("id").equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no device " + id + " in " + report.encodePrettily()));
    }

    /** Asks the node for its devices until device id passes (20 s), and returns that report of it. */
    static JsonObject awaitDevice(Backend backend, String id, Predicate<JsonObject> test, String what)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonObject d;
        while (!test.test(d = device(backend.node(new JsonObject().put("action", "devices")), id))) {
            assertTrue(System.nanoTime() < deadline, "device " + id + " not " + what + " within 20 s: "
                    + d.encodePrettily());
            Thread.sleep(20);
        }
        return d;
    }

    static void assertStamped(JsonObject message, String device, long from, long to) {
        assertEquals(NODE, message.getString("node"), message.encode());
        assertEquals(device, message.getString("device"), message.encode());
        assertEquals("blk", message.getString("type"), message.encode());
        long ts = message.getLong("ts");
        assertTrue(ts >= from && ts <= to, "ts " + ts + " not within " + from + ".." + to + ": " + message.encode());
    }

    @Test
    void lifecycleAndStatsCarryTheNodeAndTheirTime() throws Exception {
        JsonObject config = Backend.config(disk("d")).put("statsMillis", 50);
        try (Backend backend = Backend.start(config)) {
            List<JsonObject> events = backend.published("vhost.events");
            List<JsonObject> stats = backend.published("vhost.stats");
            long from = System.currentTimeMillis();
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(dir.resolve("d.sock"), ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                BlkDriver.Slot s = blk.slot(4096);
                for (int i = 0; i < 10; i++) {
                    assertEquals(0, blk.read(s, i, 4096));
                }
            }
            Backend.awaitOne(events, e -> e.getString("event").equals("disconnected"), "disconnected event");
            JsonObject counted = Backend.awaitOne(stats, s -> s.getJsonArray("queues").stream().map(JsonObject.class::cast)
                    .anyMatch(q -> q.getLong("requests") == 10 && q.getLong("bytes") == 10 * 4096), "counted stats");
            long to = System.currentTimeMillis();

            List<String> names = events.stream().map(e -> e.getString("event")).toList();
            assertEquals("connected", names.getFirst());
            assertTrue(names.indexOf("features") < names.indexOf("queue-started"), names.toString());
            assertTrue(names.indexOf("queue-started") < names.indexOf("disconnected"), names.toString());
            events.forEach(e -> assertStamped(e, "d", from, to));

            assertStamped(counted, "d", from, to);
            assertEquals(1048576L, counted.getJsonObject("info").getLong("size"));
            JsonObject q = counted.getJsonArray("queues").getJsonObject(0);
            assertEquals(0, q.getInteger("index"));
            for (String field : List.of("kicks", "calls", "errors", "inFlight")) {
                assertNotNull(q.getLong(field), field);
            }
            // Taken where the counters were read: a later publication carries a later time.
            long first = stats.getFirst().getLong("ts");
            Backend.awaitOne(stats, s -> s.getLong("ts") > first, "a later stats message with a later ts");
        }
    }

    @Test
    void devicesAnswerOnTheNodeScopedControlAddress() throws Exception {
        try (Backend backend = Backend.start(Backend.config(disk("d")))) {
            List<JsonObject> events = backend.published("vhost.events");
            long from = System.currentTimeMillis();
            JsonObject stats = backend.request("vhost.control." + NODE + ".d", new JsonObject().put("action", "stats"));
            assertStamped(stats, "d", from, System.currentTimeMillis());
            assertEquals(1048576L, stats.getJsonObject("info").getLong("size"));

            // The address without the node is gone.
            ReplyException none = assertThrows(ReplyException.class, () -> backend.request("vhost.control.d",
                    new JsonObject().put("action", "stats")));
            assertEquals(ReplyFailure.NO_HANDLERS, none.failureType());

            ReplyException refused = assertThrows(ReplyException.class,
                    () -> backend.control("d", new JsonObject().put("action", "lun-add")));
            assertEquals(400, refused.failureCode());
            assertEquals("blk devices know the action resize; not \"lun-add\"", refused.getMessage());

            // A successful action is announced, stamped like every event.
            assertEquals(new JsonObject().put("disconnected", false),
                    backend.control("d", new JsonObject().put("action", "disconnect")));
            JsonObject action = Backend.awaitOne(events, e -> e.getString("event").equals("action"), "action event");
            assertEquals("disconnect", action.getString("action"));
            assertStamped(action, "d", from, System.currentTimeMillis());
        }
    }

    @Test
    void theNodeReportsWhatTheConnectedFrontEndDid() throws Exception {
        try (Backend backend = Backend.start(Backend.config(disk("d")))) {
            List<JsonObject> events = backend.published("vhost.events");
            long from = System.currentTimeMillis();
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(dir.resolve("d.sock"), ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                BlkDriver.Slot s = blk.slot(4096);
                for (int i = 0; i < 10; i++) {
                    assertEquals(0, blk.read(s, i, 4096));
                }
                FrontEnd.Queue queue = fe.queue(0);
                // Kicks reach the counters when the worker goes to sleep, calls when the front end
                // drains its eventfd: both settle once the queue is idle.
                JsonObject d = awaitDevice(backend, "d", r -> {
                    JsonObject q = r.getJsonArray("queues").getJsonObject(0);
                    return q.getLong("kicks") == queue.kicks() && q.getLong("calls") == queue.calls();
                }, "counting the front end's kicks and calls");
                long to = System.currentTimeMillis();
                JsonObject report = backend.node(new JsonObject().put("action", "devices"));
                assertEquals(NODE, report.getString("node"));
                assertTrue(report.getLong("ts") >= to, report.encode());
                assertEquals(1, report.getJsonArray("devices").size());

                assertEquals("d", d.getString("id"));
                assertEquals("blk", d.getString("type"));
                assertEquals(dir.resolve("d.sock").toString(), d.getString("socket"));
                assertEquals("server", d.getString("mode"));
                assertEquals("running", d.getString("state"));
                long since = d.getLong("connectedSince");
                assertTrue(since >= from && since <= to, since + " not within " + from + ".." + to);
                JsonObject connected = Backend.awaitOne(events, e -> e.getString("event").equals("connected"), "connected");
                assertEquals(since, connected.getLong("ts"), "the connection's time is the connected event's");

                assertEquals(new JsonArray(List.of("SIZE_MAX", "SEG_MAX", "BLK_SIZE", "FLUSH", "TOPOLOGY",
                        "CONFIG_WCE", "MQ", "DISCARD", "WRITE_ZEROES", "INDIRECT_DESC", "EVENT_IDX",
                        "PROTOCOL_FEATURES", "VERSION_1")), d.getJsonArray("features"));
                assertEquals(Long.bitCount(fe.features()), d.getJsonArray("features").size(),
                        "one name per bit the front end set: 0x" + Long.toHexString(fe.features()));
                assertEquals(new JsonArray(List.of("MQ", "REPLY_ACK", "CONFIG", "RESET_DEVICE", "STATUS")),
                        d.getJsonArray("protocolFeatures"));

                JsonArray regions = d.getJsonArray("memoryRegions");
                assertEquals(ram.regions().size(), regions.size());
                for (int i = 0; i < regions.size(); i++) {
                    GuestRam.Region r = ram.regions().get(i);
                    assertEquals(new JsonObject().put("gpa", r.gpa()).put("size", r.size()).put("uva", r.uva()),
                            regions.getJsonObject(i));
                }

                JsonArray queues = d.getJsonArray("queues");
                assertEquals(1, queues.size());
                JsonObject q = queues.getJsonObject(0);
                assertEquals(List.of("index", "size", "packed", "worker", "running", "kicks", "calls", "requests",
                        "bytes", "errors", "inFlight"), List.copyOf(q.fieldNames()));
                assertEquals(0, q.getInteger("index"));
                assertEquals(256, q.getInteger("size"));
                assertFalse(q.getBoolean("packed"));
                assertTrue(q.getString("worker").startsWith("ring-worker-"), q.encode());
                assertTrue(q.getBoolean("running"));
                assertEquals(10, q.getLong("requests"));
                assertEquals(10 * 4096, q.getLong("bytes"));
                assertEquals(0, q.getLong("errors"));
                assertEquals(0, q.getLong("inFlight"));
                assertTrue(q.getLong("calls") > 0, q.encode());

                assertEquals(1048576L, d.getJsonObject("info").getLong("size"));
                assertFalse(d.getJsonObject("info").getBoolean("readOnly"));
            }
        }
    }

    @Test
    void theNodeReportsEachDevicesState() throws Exception {
        JsonObject client = new JsonObject().put("id", "c").put("type", "blk").put("mode", "client")
                .put("socket", dir.resolve("nobody-listens.sock").toString()).put("ram", true).put("size", "1M");
        try (Backend backend = Backend.start(Backend.config(disk("d"), client))) {
            JsonObject report = backend.node(new JsonObject().put("action", "devices"));
            assertEquals(List.of("d", "c"), report.getJsonArray("devices").stream().map(JsonObject.class::cast)
                    .map(d -> d.getString("id")).toList(), "in the configuration's order");
            JsonObject c = device(report, "c");
            assertEquals("connecting", c.getString("state"));
            assertEquals("client", c.getString("mode"));
            assertNull(c.getValue("connectedSince"));
            assertTrue(c.containsKey("connectedSince"), "null, not absent");
            assertEquals(new JsonArray(), c.getJsonArray("features"));
            assertEquals(new JsonArray(), c.getJsonArray("protocolFeatures"));
            assertEquals(new JsonArray(), c.getJsonArray("memoryRegions"));
            assertEquals(new JsonArray(), c.getJsonArray("queues"));
            assertEquals("listening", device(report, "d").getString("state"));

            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.connect(dir.resolve("d.sock"), ram, FrontEnd.Options.packedRing())) {
                JsonObject d = device(backend.node(new JsonObject().put("action", "devices")), "d");
                assertEquals("connected", d.getString("state"), "no ring started yet");
                assertTrue(d.getJsonArray("features").contains("RING_PACKED"), d.encode());
                fe.startQueues();
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                assertEquals(0, blk.read(blk.slot(512), 0, 512));
                d = device(backend.node(new JsonObject().put("action", "devices")), "d");
                assertEquals("running", d.getString("state"));
                JsonObject q = d.getJsonArray("queues").getJsonObject(0);
                assertTrue(q.getBoolean("packed"), q.encode());
                assertEquals(256, q.getInteger("size"));
            }
            JsonObject gone = awaitDevice(backend, "d", d -> d.getString("state").equals("listening"),
                    "listening again");
            assertNull(gone.getValue("connectedSince"));
            JsonObject q = gone.getJsonArray("queues").getJsonObject(0);
            assertFalse(q.getBoolean("running"), "counters stay, the queue does not run");
            assertNull(q.getValue("worker"));
            assertEquals(1, q.getLong("requests"));

            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(dir.resolve("d.sock"), ram, FrontEnd.Options.split())) {
                ((SplitDriverRing) fe.queue(0).ring).setAvailIdx(1000);
                fe.queue(0).kick.signal();
                JsonObject broken = awaitDevice(backend, "d", d -> d.getString("state").equals("needs-reset"),
                        "needs-reset after its ring broke");
                assertFalse(broken.getJsonArray("queues").getJsonObject(0).getBoolean("running"));
                assertEquals(1, broken.getJsonArray("queues").getJsonObject(0).getLong("errors"));
                assertEquals(0, fe.client().sendAcked(org.vhostvertx.test.frontend.VhostUserClient.RESET_DEVICE,
                        new byte[0]));
                assertEquals("connected", device(backend.node(new JsonObject().put("action", "devices")), "d")
                        .getString("state"), "a reset clears it");
            }
        }
    }
}
