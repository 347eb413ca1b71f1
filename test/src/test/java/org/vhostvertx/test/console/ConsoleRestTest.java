package org.vhostvertx.test.console;

import org.vhostvertx.console.PrometheusText;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.NetPort;
import org.vhostvertx.test.net.PcapRecords;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.console.ConsoleClient.TOKEN;
import static org.vhostvertx.test.console.ConsoleClient.config;
import static org.vhostvertx.test.console.ConsoleClient.error;
import static org.vhostvertx.test.console.ConsoleClient.waitFor;

/**
 * The console's REST API, /metrics and /health against the real node, its devices driven by our
 * Java front end.
 */
class ConsoleRestTest {

    static final String NODE = Backend.NODE;
    static final long NEEDS_RESET = 0x40;

    @TempDir
    Path dir;

    JsonObject disk(String id) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("ram", true).put("size", "1M");
    }

    JsonObject reflectPort(String id) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "reflect")
                .put("socket", dir.resolve(id + ".sock").toString());
    }

    static JsonObject queue0(JsonObject device) {
        return device.getJsonArray("queues").stream().map(JsonObject.class::cast)
                .filter(q -> q.getInteger("index") == 0).findFirst().orElseThrow();
    }

    @Test
    void theCountersTheApiAndMetricsReportAreWhatTheFrontEndDid() throws Exception {
        try (Backend backend = Backend.start(config(new JsonObject(), disk("d")));
             ConsoleClient console = new ConsoleClient(backend);
             GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("d.sock"), ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 5);
            for (int i = 0; i < 7; i++) {
                assertEquals(0, blk.write(s, i * 8L, data));
            }
            for (int i = 0; i < 30; i++) {
                assertEquals(0, blk.read(s, (i % 7) * 8L, 4096));
            }

            JsonObject d = console.device("d");
            assertEquals(NODE, d.getString("node"));
            assertEquals("running", d.getString("state"));
            assertEquals(37, queue0(d).getLong("requests"));
            assertEquals(37 * 4096, queue0(d).getLong("bytes"));
            assertEquals(0, queue0(d).getLong("errors"));
            assertTrue(d.getJsonArray("features").contains("VERSION_1"), d.encode());
            assertEquals(d.getString("id"), console.get("/api/devices/d").bodyAsJsonObject().getString("id"),
                    "the short path is this node's device");

            JsonObject all = console.get("/api/devices").bodyAsJsonObject();
            assertEquals(List.of("d"), all.getJsonArray("devices").stream().map(JsonObject.class::cast)
                    .map(x -> x.getString("id")).toList());
            assertEquals(NODE, console.get("/api/nodes").bodyAsJsonObject().getString("self"));

            // /metrics reads the counters from vhost.stats (every 100 ms): wait for the totals.
            waitFor("vhost_queue_requests_total of d reaches 37", () -> PrometheusText.value(console.metrics(),
                    "vhost_queue_requests_total", "node", NODE, "device", "d", "queue", "0") == 37);
            String text = console.metrics();
            assertEquals(37 * 4096, PrometheusText.value(text, "vhost_queue_bytes_total", "device", "d", "queue", "0"));
            assertEquals(0, PrometheusText.value(text, "vhost_queue_errors_total", "device", "d", "queue", "0"));
            assertEquals(0, PrometheusText.value(text, "vhost_queue_in_flight", "device", "d", "queue", "0"));
            assertTrue(PrometheusText.value(text, "vhost_queue_kicks_total", "device", "d", "queue", "0") >= 0);
            assertTrue(PrometheusText.value(text, "vhost_queue_calls_total", "device", "d", "queue", "0") >= 0);
            assertEquals(1, PrometheusText.value(text, "vhost_device_state", "device", "d", "state", "running"));
            assertEquals(0, PrometheusText.value(text, "vhost_device_state", "device", "d", "state", "listening"));
            // The launcher's Vert.x: Micrometer's JVM and Vert.x metrics in the same registry.
            assertTrue(text.contains("\njvm_memory_used_bytes{"), "JVM metrics");
            assertTrue(text.contains("\nvertx_eventbus_"), "Vert.x metrics");
        }
    }

    @Test
    void theCaptureButtonsEndpointsStartACaptureAndDownloadItsPcap() throws Exception {
        try (Backend backend = Backend.start(config(new JsonObject(), reflectPort("n")));
             ConsoleClient console = new ConsoleClient(backend);
             GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("n.sock"), ram, FrontEnd.Options.split().withQueues(3))) {
            HttpResponse<Buffer> none = console.get("/api/devices/" + NODE + "/n/capture.pcap");
            assertEquals(400, none.statusCode());
            assertEquals("no capture was made on this device", error(none));

            HttpResponse<Buffer> started = console.post("/api/devices/" + NODE + "/n/actions/capture",
                    new JsonObject().put("frames", 4));
            assertEquals(200, started.statusCode(), started.bodyAsString());
            Path file = Path.of(started.bodyAsJsonObject().getString("file"));
            assertEquals(dir, file.getParent(), "next to the socket");
            HttpResponse<Buffer> again = console.post("/api/devices/" + NODE + "/n/actions/capture", new JsonObject());
            assertEquals(400, again.statusCode());
            assertTrue(error(again).startsWith("a capture runs already"), error(again));

            NetPort port = new NetPort(fe, new byte[]{0x52, 0x54, 0, 0, 0, 2}, 8);
            byte[][] sent = {new byte[60], new byte[1514]};
            for (byte[] f : sent) {
                Arrays.fill(f, (byte) f.length);
                System.arraycopy(new byte[]{0x52, 0x54, 0, 0, 0, 1, 0x52, 0x54, 0, 0, 0, 2}, 0, f, 0, 12);
                port.send(f);
                port.receive();
            }
            waitFor("the capture ends after 4 frames", () -> !console.device("n").getJsonObject("info")
                    .getJsonObject("capture").getBoolean("running"));

            HttpResponse<Buffer> pcap = console.get("/api/devices/" + NODE + "/n/capture.pcap");
            assertEquals(200, pcap.statusCode());
            assertEquals("attachment; filename=\"" + file.getFileName() + "\"", pcap.getHeader("Content-Disposition"));
            byte[] body = pcap.body().getBytes();
            assertArrayEquals(Files.readAllBytes(file), body, "the file as the node wrote it");
            assertEquals(List.of(60, 60, 1514, 1514), PcapRecords.lengths(body), "each frame as sent and as reflected");
        }
    }

    @Test
    void devicesAreAddedActedOnAndRemovedThroughTheApi() throws Exception {
        try (Backend backend = Backend.start(config(new JsonObject(), disk("d"), reflectPort("n")));
             ConsoleClient console = new ConsoleClient(backend)) {
            Path socket = dir.resolve("d2.sock");
            HttpResponse<Buffer> added = console.post("/api/devices", disk("d2"));
            assertEquals(201, added.statusCode(), added.bodyAsString());
            assertEquals(new JsonObject().put("node", NODE).put("id", "d2"), added.bodyAsJsonObject());
            assertTrue(Files.exists(socket));

            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                BlkDriver.Slot s = blk.slot(4096);
                byte[] data = new byte[4096];
                Arrays.fill(data, (byte) 9);
                assertEquals(0, blk.write(s, 16, data));
                assertEquals(0, blk.read(s, 16, 4096));
                assertArrayEquals(data, blk.data(s, 4096));
                assertEquals(2, queue0(console.device("d2")).getLong("requests"));

                HttpResponse<Buffer> resized = console.post("/api/devices/d2/actions/resize", new JsonObject().put("size", "2M"));
                assertEquals(200, resized.statusCode(), resized.bodyAsString());
                assertEquals(2 << 20, resized.bodyAsJsonObject().getLong("size"));
                assertEquals(2 << 20, console.device("d2").getJsonObject("info").getLong("size"));

                HttpResponse<Buffer> dropped = console.post("/api/devices/" + NODE + "/d2/actions/disconnect", null);
                assertEquals(200, dropped.statusCode(), dropped.bodyAsString());
                assertEquals(true, dropped.bodyAsJsonObject().getBoolean("disconnected"));
                waitFor("d2 listens again", () -> "listening".equals(console.device("d2").getString("state")));
            }

            HttpResponse<Buffer> down = console.post("/api/devices/" + NODE + "/n/actions/link-down", new JsonObject());
            assertEquals(200, down.statusCode(), down.bodyAsString());
            assertEquals("down", down.bodyAsJsonObject().getString("link"));
            assertEquals("down", console.device("n").getJsonObject("info").getString("link"));
            assertEquals("up", console.post("/api/devices/n/actions/link-up", null).bodyAsJsonObject().getString("link"));

            HttpResponse<Buffer> removed = console.delete("/api/devices/" + NODE + "/d2");
            assertEquals(200, removed.statusCode(), removed.bodyAsString());
            assertEquals(new JsonObject().put("node", NODE).put("id", "d2"), removed.bodyAsJsonObject());
            assertFalse(Files.exists(socket), "the socket went with the device");
            assertEquals(404, console.get("/api/devices/d2").statusCode());
            JsonArray config = console.get("/api/config").bodyAsJsonObject().getJsonArray("devices");
            assertEquals(List.of("d", "n"), config.stream().map(JsonObject.class::cast).map(x -> x.getString("id")).toList());
            assertEquals("(hidden)", console.get("/api/config").bodyAsJsonObject().getJsonObject("console").getString("token"));
            assertTrue(console.get("/api/types").bodyAsJsonObject().getJsonArray("types").stream()
                    .map(JsonObject.class::cast).anyMatch(t -> t.getString("type").equals("scsi")));
        }
    }

    @Test
    void refusalsHaveTheirStatusAndChangeNothing() throws Exception {
        try (Backend backend = Backend.start(config(new JsonObject(), disk("d")));
             ConsoleClient console = new ConsoleClient(backend)) {
            // 401: no token, a wrong one; nothing reaches the node.
            assertEquals(401, console.call(HttpMethod.GET, "/api/devices", null, null).statusCode());
            HttpResponse<Buffer> wrong = console.call(HttpMethod.POST, "/api/devices", "not-the-token", disk("x"));
            assertEquals(401, wrong.statusCode());
            assertEquals("wrong token", error(wrong));
            assertEquals(401, console.call(HttpMethod.DELETE, "/api/devices/d", TOKEN + "0", null).statusCode());
            assertFalse(Files.exists(dir.resolve("x.sock")));
            assertEquals(200, console.get("/api/devices/d").statusCode(), "d is still there");
            assertEquals(404, console.get("/api/devices/x").statusCode(), "x was not added");

            // 404: an unknown device, for reading, removing and acting.
            HttpResponse<Buffer> unknown = console.get("/api/devices/" + NODE + "/nope");
            assertEquals(404, unknown.statusCode());
            assertEquals("no device nope on node " + NODE, error(unknown));
            assertEquals(404, console.delete("/api/devices/nope").statusCode());
            assertEquals(404, console.post("/api/devices/nope/actions/stats", null).statusCode());

            // 400: a bad field names it; an action the device refuses says why.
            HttpResponse<Buffer> misspelt = console.post("/api/devices", disk("x").put("readonly", true));
            assertEquals(400, misspelt.statusCode());
            assertTrue(error(misspelt).contains("device.readonly is not a field; did you mean \"readOnly\"?"), error(misspelt));
            HttpResponse<Buffer> refused = console.post("/api/devices/d/actions/link-down", null);
            assertEquals(400, refused.statusCode());
            assertTrue(error(refused).contains("link-down"), error(refused));
            HttpResponse<Buffer> shrink = console.post("/api/devices/d/actions/resize", new JsonObject().put("size", "512K"));
            assertEquals(400, shrink.statusCode());
            assertTrue(error(shrink).contains("does not shrink"), error(shrink));

            // 409: the id or the socket of a device that exists.
            HttpResponse<Buffer> sameId = console.post("/api/devices", disk("d").put("socket", dir.resolve("y.sock").toString()));
            assertEquals(409, sameId.statusCode());
            assertTrue(error(sameId).contains("device.id \"d\" is in use"), error(sameId));
            HttpResponse<Buffer> sameSocket = console.post("/api/devices", disk("y").put("socket", dir.resolve("d.sock").toString()));
            assertEquals(409, sameSocket.statusCode());
            assertTrue(error(sameSocket).contains("device.socket"), error(sameSocket));
            assertEquals(List.of("d"), console.get("/api/devices").bodyAsJsonObject().getJsonArray("devices").stream()
                    .map(JsonObject.class::cast).map(x -> x.getString("id")).toList());
        }
    }

    @Test
    void aReadOnlyConsoleRefusesEveryChangeWith403() throws Exception {
        try (Backend backend = Backend.start(config(new JsonObject().put("readOnly", true), disk("d"), reflectPort("n")));
             ConsoleClient console = new ConsoleClient(backend)) {
            HttpResponse<Buffer> add = console.post("/api/devices", disk("x"));
            assertEquals(403, add.statusCode());
            assertTrue(error(add).contains("read-only"), error(add));
            assertEquals(403, console.delete("/api/devices/d").statusCode());
            assertEquals(403, console.post("/api/devices/n/actions/link-down", null).statusCode());
            assertEquals(403, console.post("/api/devices/d/actions/disconnect", null).statusCode());
            assertFalse(Files.exists(dir.resolve("x.sock")));
            assertEquals("up", console.device("n").getJsonObject("info").getString("link"));
            assertEquals(2, console.get("/api/devices").bodyAsJsonObject().getJsonArray("devices").size());
            assertEquals(200, console.post("/api/devices/d/actions/stats", null).statusCode(), "stats only reads");
            assertTrue(console.get("/api/nodes").bodyAsJsonObject().getBoolean("readOnly"));
        }
    }

    @Test
    void healthTurns503WhenADeviceNeedsAReset() throws Exception {
        try (Backend backend = Backend.start(config(new JsonObject(), disk("victim"), disk("bystander")));
             ConsoleClient console = new ConsoleClient(backend)) {
            HttpResponse<Buffer> up = console.call(HttpMethod.GET, "/health", null, null);
            assertEquals(200, up.statusCode(), up.bodyAsString());
            try (GuestRam ram = new GuestRam(0, 2 << 20);
                 FrontEnd fe = FrontEnd.start(dir.resolve("victim.sock"), ram, FrontEnd.Options.split())) {
                long header = ram.alloc(16, 16);
                fe.queue(0).ring.add(Buf.in(header, 16), Buf.out(1L << 40, 4096), Buf.out(header, 1));
                fe.queue(0).kickIfNeeded();
                waitFor("the victim needs a reset", () -> (fe.status() & NEEDS_RESET) != 0);

                waitFor("/health is 503", () -> console.call(HttpMethod.GET, "/health", null, null).statusCode() == 503);
                JsonObject health = console.call(HttpMethod.GET, "/health", null, null).bodyAsJsonObject();
                assertEquals("DOWN", health.getString("status"));
                JsonArray problems = health.getJsonArray("checks").getJsonObject(0).getJsonObject("data").getJsonArray("problems");
                assertEquals(1, problems.size(), problems.encode());
                JsonObject problem = problems.getJsonObject(0);
                assertEquals(NODE, problem.getString("node"));
                assertEquals("victim", problem.getString("device"));
                assertEquals("needs-reset", problem.getString("state"));
                assertTrue(problem.getString("reason").startsWith("queue 0: "), problem.encode());
                assertEquals(1, PrometheusText.value(console.metrics(), "vhost_device_state", "device", "victim",
                        "state", "needs-reset"));

                try (GuestRam ram2 = new GuestRam(0, 1 << 20);
                     FrontEnd other = FrontEnd.start(dir.resolve("bystander.sock"), ram2, FrontEnd.Options.split())) {
                    BlkDriver blk = new BlkDriver(other.queue(0), ram2);
                    assertEquals(0, blk.read(blk.slot(4096), 0, 4096), "the bystander serves");
                }
            }
            waitFor("/health is 200 once the victim's front end is gone",
                    () -> console.call(HttpMethod.GET, "/health", null, null).statusCode() == 200);
        }
    }

    @Test
    void aConsolePortInUseIsSaidClearlyAndTheDevicesStillServe() throws Exception {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger("org.vhostvertx");
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Backend backend = Backend.start(config(new JsonObject().put("port", taken.getLocalPort()), disk("d")))) {
            int port = taken.getLocalPort();
            assertNull(backend.console(), "no console");
            assertTrue(logged.stream().anyMatch(r -> r.getLevel() == Level.SEVERE
                    && r.getMessage().equals("console: port " + port + " is already in use (127.0.0.1:" + port
                    + "); set console.port to another port, or 0 for any free one; node " + NODE
                    + " serves its devices without the console")), logged.stream().map(LogRecord::getMessage).toList().toString());
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(dir.resolve("d.sock"), ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                assertEquals(0, blk.read(blk.slot(4096), 0, 4096), "the device serves");
            }
        } finally {
            log.removeHandler(handler);
        }
    }
}
