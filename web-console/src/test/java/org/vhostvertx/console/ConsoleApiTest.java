package org.vhostvertx.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The REST API against a fake node speaking the event-bus contract: answers, statuses, the token. */
class ConsoleApiTest extends ConsoleTestSupport {

    @BeforeEach
    void start() throws Exception {
        startConsole(new JsonObject());
    }

    @AfterEach
    void stop() throws Exception {
        stopConsole();
    }

    @Test
    void withoutTheRightTokenEveryCallIs401AndChangesNothing() throws Exception {
        int before = node.received.size();
        for (String token : new String[]{null, "", "wrong", TOKEN + "x"}) {
            for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE)) {
                for (String path : List.of("/api/devices", "/api/devices/d1", "/api/devices/d1/actions/link-down",
                        "/api/config", "/api/nodes", "/api/stream", "/api/nothing")) {
                    HttpResponse<Buffer> r = call(m, path, token, m == HttpMethod.POST
                            ? new JsonObject().put("id", "x").put("type", "blk") : null);
                    assertEquals(401, r.statusCode(), m + " " + path + " with token " + token);
                    assertTrue(error(r).contains("token"), error(r));
                }
            }
        }
        HttpResponse<Buffer> query = call(HttpMethod.GET, "/api/devices?token=" + TOKEN, null, null);
        assertEquals(401, query.statusCode(), "only the stream takes the token as a query parameter");
        assertEquals(before, node.received.size(), "no refused call reached the node");
        assertEquals(2, node.devices.size());
    }

    @Test
    void nodesAndDevicesAreListedWithTheirNode() throws Exception {
        JsonObject nodes = get("/api/nodes").bodyAsJsonObject();
        assertEquals("n1", nodes.getString("self"));
        assertEquals(false, nodes.getBoolean("readOnly"));
        assertEquals("n1", nodes.getJsonArray("nodes").getJsonObject(0).getString("node"));

        JsonObject all = get("/api/devices").bodyAsJsonObject();
        JsonArray devices = all.getJsonArray("devices");
        assertEquals(2, devices.size());
        devices.forEach(d -> assertEquals("n1", ((JsonObject) d).getString("node")));
        assertEquals(0, all.getJsonArray("unreachable").size());

        assertEquals("d1", get("/api/devices/d1").bodyAsJsonObject().getString("id"));
        assertEquals("net", get("/api/devices/n1/net0").bodyAsJsonObject().getString("type"));
        HttpResponse<Buffer> missing = get("/api/devices/nope");
        assertEquals(404, missing.statusCode());
        assertEquals("no device nope on node n1", error(missing));
        assertEquals(404, get("/api/devices/n2/d1").statusCode(), "an unknown node");
        assertEquals(404, get("/api/nothing").statusCode());
    }

    @Test
    void aNodeSeenOnTheBusIsListedAndMerged() throws Exception {
        FakeNode other = new FakeNode(vertx, "n2").start().device("d9", "blk", "running");
        other.publishStats("d9", "blk", 1, 512, new JsonObject());
        waitFor("n2 known", () -> {
            try {
                return get("/api/nodes").bodyAsString().contains("\"n2\"");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        JsonArray devices = get("/api/devices").bodyAsJsonObject().getJsonArray("devices");
        assertEquals(3, devices.size());
        assertTrue(devices.stream().map(JsonObject.class::cast)
                .anyMatch(d -> d.getString("id").equals("d9") && d.getString("node").equals("n2")), devices.encode());
        assertEquals("d9", get("/api/devices/n2/d9").bodyAsJsonObject().getString("id"));
        other.stop();
    }

    @Test
    void addAndRemoveGoToTheNodeWithItsStatuses() throws Exception {
        JsonObject disk = new JsonObject().put("id", "d2").put("type", "blk").put("socket", "/tmp/d2.sock");
        HttpResponse<Buffer> added = call(HttpMethod.POST, "/api/devices", TOKEN, disk);
        assertEquals(201, added.statusCode(), added.bodyAsString());
        assertEquals(new JsonObject().put("node", "n1").put("id", "d2"), added.bodyAsJsonObject());
        assertTrue(node.devices.containsKey("d2"));
        JsonObject sent = node.received.stream().filter(r -> "add-device".equals(r.getString("action"))).findFirst().orElseThrow();
        assertEquals(disk, sent.getJsonObject("device"), "the body goes to the node as the device");

        HttpResponse<Buffer> conflict = call(HttpMethod.POST, "/api/devices", TOKEN, disk);
        assertEquals(409, conflict.statusCode());
        assertEquals("a device d2 exists", error(conflict));
        HttpResponse<Buffer> bad = call(HttpMethod.POST, "/api/devices", TOKEN, disk.copy().put("id", "d3").put("type", "tape"));
        assertEquals(400, bad.statusCode());
        assertTrue(error(bad).contains("device.type"), error(bad));
        HttpResponse<Buffer> notJson = await(web.post(console.port(), "127.0.0.1", "/api/devices")
                .putHeader("Authorization", "Bearer " + TOKEN).sendBuffer(Buffer.buffer("[1, 2")));
        assertEquals(400, notJson.statusCode());
        HttpResponse<Buffer> toNowhere = call(HttpMethod.POST, "/api/devices", TOKEN, disk.copy().put("node", "n7"));
        assertEquals(404, toNowhere.statusCode());
        assertEquals("no node named n7 is running", error(toNowhere));

        HttpResponse<Buffer> removed = call(HttpMethod.DELETE, "/api/devices/n1/d2", TOKEN, null);
        assertEquals(200, removed.statusCode());
        assertTrue(!node.devices.containsKey("d2"));
        HttpResponse<Buffer> again = call(HttpMethod.DELETE, "/api/devices/d2", TOKEN, null);
        assertEquals(404, again.statusCode());
        assertEquals("no device d2", error(again));
    }

    @Test
    void actionsReachTheDeviceWithTheirArguments() throws Exception {
        HttpResponse<Buffer> down = call(HttpMethod.POST, "/api/devices/n1/net0/actions/link-down", TOKEN, null);
        assertEquals(200, down.statusCode());
        assertEquals("down", down.bodyAsJsonObject().getString("link"));
        HttpResponse<Buffer> withArgs = call(HttpMethod.POST, "/api/devices/d1/actions/resize", TOKEN,
                new JsonObject().put("size", "2G").put("action", "sneaky"));
        assertEquals(400, withArgs.statusCode());
        assertEquals("devices of this type know no action \"resize\"", error(withArgs), "the path names the action");
        JsonObject sent = node.received.getLast();
        assertEquals("resize", sent.getString("action"));
        assertEquals("2G", sent.getString("size"));
        assertEquals(404, call(HttpMethod.POST, "/api/devices/nope/actions/stats", TOKEN, null).statusCode());
        assertEquals(400, call(HttpMethod.POST, "/api/devices/d1/actions/Bad!", TOKEN, null).statusCode());
    }

    @Test
    void aCaptureDownloadsAsOnePcapFileFromItsPieces() throws Exception {
        byte[] file = new byte[2500];
        new java.util.Random(5).nextBytes(file);
        node.captures.put("net0", file);
        HttpResponse<Buffer> r = call(HttpMethod.GET, "/api/devices/n1/net0/capture.pcap", TOKEN, null);
        assertEquals(200, r.statusCode());
        assertEquals("application/vnd.tcpdump.pcap", r.getHeader("Content-Type"));
        assertEquals("attachment; filename=\"net0-1.pcap\"", r.getHeader("Content-Disposition"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(file, r.body().getBytes(), "three pieces, in order");
        assertEquals(3, node.received.stream().filter(m -> "capture-read".equals(m.getString("action"))).count());

        assertEquals(401, call(HttpMethod.GET, "/api/devices/n1/net0/capture.pcap", "wrong", null).statusCode());
        HttpResponse<Buffer> none = call(HttpMethod.GET, "/api/devices/n1/d1/capture.pcap", TOKEN, null);
        assertEquals(400, none.statusCode());
        assertEquals("no capture was made on this device", error(none));
        assertEquals(404, call(HttpMethod.GET, "/api/devices/n1/nothere/capture.pcap", TOKEN, null).statusCode());
    }

    @Test
    void aNodeThatDoesNotAnswerIs504() throws Exception {
        long start = System.nanoTime();
        HttpResponse<Buffer> r = call(HttpMethod.POST, "/api/devices/d1/actions/silent", TOKEN, null);
        assertEquals(504, r.statusCode());
        assertEquals("node n1 did not answer within 5 s", error(r));
        assertTrue(System.nanoTime() - start >= 4_900_000_000L, "it waited the 5 s");
    }

    @Test
    void configHidesTheTokenAndTypesAreTheNodes() throws Exception {
        JsonObject config = get("/api/config").bodyAsJsonObject();
        assertEquals("n1", config.getString("node"));
        assertEquals("(hidden)", config.getJsonObject("console").getString("token"));
        assertEquals("blk", get("/api/types").bodyAsJsonObject().getJsonArray("types").getJsonObject(0).getString("type"));
        assertEquals(404, get("/api/config?node=n5").statusCode());
    }

    @Test
    void thePageAndUplotAreServedWithoutAToken() throws Exception {
        HttpResponse<Buffer> page = call(HttpMethod.GET, "/", null, null);
        assertEquals(200, page.statusCode());
        assertTrue(page.bodyAsString().contains("/js/main.js"));
        assertTrue(page.getHeader("Content-Security-Policy").contains("default-src 'self'"));
        HttpResponse<Buffer> js = call(HttpMethod.GET, "/js/main.js", null, null);
        assertEquals(200, js.statusCode());
        assertTrue(js.getHeader("Content-Type").contains("javascript"), js.getHeader("Content-Type"));
        HttpResponse<Buffer> uplot = call(HttpMethod.GET, "/webjars/uplot/dist/uPlot.esm.js", null, null);
        assertEquals(200, uplot.statusCode());
        assertTrue(uplot.bodyAsString().contains("export"), "the ES module");
        assertEquals(200, call(HttpMethod.GET, "/webjars/uplot/dist/uPlot.min.css", null, null).statusCode());
    }
}
