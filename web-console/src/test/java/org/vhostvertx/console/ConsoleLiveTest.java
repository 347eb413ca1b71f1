package org.vhostvertx.console;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream, /metrics, /health, read-only, and how the console starts (port, token, warnings). */
class ConsoleLiveTest extends ConsoleTestSupport {

    @AfterEach
    void stop() throws Exception {
        stopConsole();
    }

    @Test
    void theStreamForwardsStatsAndEventsAndNothingElse() throws Exception {
        startConsole(new JsonObject());
        StringBuffer received = new StringBuffer();
        HttpClient client = vertx.createHttpClient();
        // The handler is set as the response arrives, on its event loop, so no chunk comes before it.
        HttpClientResponse response = await(client.request(new RequestOptions().setPort(console.port())
                        .setHost("127.0.0.1").setURI("/api/stream?token=" + TOKEN))
                .compose(req -> req.send())
                .map(r -> r.handler(b -> received.append(b.toString()))));
        assertEquals(200, response.statusCode());
        assertTrue(response.getHeader("Content-Type").startsWith("text/event-stream"));
        waitFor("the stream is open", () -> received.toString().contains("retry:"));
        vertx.eventBus().publish("vhost.other", new JsonObject().put("secret", 1));
        vertx.eventBus().publish("vhost.control.n1.d1", new JsonObject().put("action", "stats"));
        node.publishStats("d1", "blk", 10, 40960, new JsonObject());
        vertx.eventBus().publish("vhost.events", new JsonObject().put("node", "n1").put("ts", 1).put("event", "connected")
                .put("device", "d1").put("type", "blk"));
        waitFor("stats and event", () -> received.toString().contains("event: event\n"));
        String text = received.toString();
        assertTrue(text.contains("event: stats\ndata: {\"node\":\"n1\""), text);
        assertTrue(text.contains("\"requests\":10"), text);
        assertTrue(text.contains("event: event\ndata: {\"node\":\"n1\",\"ts\":1,\"event\":\"connected\""), text);
        assertEquals(2, text.split("\ndata: ", -1).length - 1, "two messages, nothing else: " + text);
        assertFalse(text.contains("secret"));

        HttpClientResponse refused = await(client.request(new RequestOptions().setPort(console.port())
                .setHost("127.0.0.1").setURI("/api/stream?token=wrong")).compose(req -> req.send()));
        assertEquals(401, refused.statusCode());
    }

    @Test
    void metricsCarryTheCountersOfVhostStatsAndTheJvms() throws Exception {
        startConsole(new JsonObject());
        node.publishStats("d1", "blk", 42, 42 * 4096, new JsonObject());
        node.publishStats("net0", "net", 5, 300, new JsonObject().put("link", "up").put("drops", new JsonObject()
                .put("noBuffer", 3).put("tooLong", 0).put("badHeader", 1).put("linkDown", 0).put("noDestination", 0)));
        waitFor("d1 counted", () -> PrometheusText.value(scrape(), "vhost_queue_requests_total",
                "device", "d1", "queue", "0") == 42);
        String text = scrape();
        assertEquals(42 * 4096, PrometheusText.value(text, "vhost_queue_bytes_total", "device", "d1", "node", "n1"));
        assertEquals(7, PrometheusText.value(text, "vhost_queue_kicks_total", "device", "d1"));
        assertEquals(5, PrometheusText.value(text, "vhost_queue_calls_total", "device", "d1"));
        assertEquals(1, PrometheusText.value(text, "vhost_queue_errors_total", "device", "d1"));
        assertEquals(2, PrometheusText.value(text, "vhost_queue_in_flight", "device", "d1"));
        assertEquals(3, PrometheusText.value(text, "vhost_net_drops_total", "device", "net0", "reason", "noBuffer"));
        assertEquals(1, PrometheusText.value(text, "vhost_device_state", "device", "d1", "state", "running"));
        assertEquals(0, PrometheusText.value(text, "vhost_device_state", "device", "d1", "state", "needs-reset"));
        assertEquals(1, PrometheusText.value(text, "vhost_device_state", "device", "net0", "state", "listening"));
        assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");

        node.publishStats("d1", "blk", 50, 50 * 4096, new JsonObject());
        waitFor("the new total", () -> PrometheusText.value(scrape(), "vhost_queue_requests_total", "device", "d1") == 50);

        vertx.eventBus().publish("vhost.events", new JsonObject().put("node", "n1").put("event", "device-removed")
                .put("device", "net0").put("type", "net"));
        waitFor("net0's series gone", () -> !scrape().contains("device=\"net0\",node=\"n1\",queue"));
    }

    @Test
    void healthIs503WithTheDeviceAndReasonWhenOneNeedsAReset() throws Exception {
        startConsole(new JsonObject());
        HttpResponse<Buffer> up = call(HttpMethod.GET, "/health", null, null);
        assertEquals(200, up.statusCode(), up.bodyAsString());
        assertEquals("UP", up.bodyAsJsonObject().getString("status"));

        node.devices.get("d1").put("state", "needs-reset");
        vertx.eventBus().publish("vhost.events", new JsonObject().put("node", "n1").put("event", "needs-reset")
                .put("device", "d1").put("type", "blk").put("queue", 0).put("reason", "descriptor outside guest memory"));
        waitFor("the reason is known", () -> {
            try {
                return call(HttpMethod.GET, "/health", null, null).bodyAsString().contains("descriptor outside");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        HttpResponse<Buffer> down = call(HttpMethod.GET, "/health", null, null);
        assertEquals(503, down.statusCode());
        JsonObject problem = down.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getJsonObject("data")
                .getJsonArray("problems").getJsonObject(0);
        assertEquals(new JsonObject().put("node", "n1").put("device", "d1").put("state", "needs-reset")
                .put("reason", "queue 0: descriptor outside guest memory"), problem);
        assertEquals(1, PrometheusText.value(scrape(), "vhost_device_state", "device", "d1", "state", "needs-reset"));
    }

    @Test
    void readOnlyRefusesEveryChangeWith403() throws Exception {
        startConsole(new JsonObject().put("readOnly", true));
        int before = node.received.size();
        HttpResponse<Buffer> add = call(HttpMethod.POST, "/api/devices", TOKEN, new JsonObject().put("id", "x").put("type", "blk"));
        assertEquals(403, add.statusCode());
        assertTrue(error(add).contains("console.readOnly"), error(add));
        assertEquals(403, call(HttpMethod.DELETE, "/api/devices/d1", TOKEN, null).statusCode());
        assertEquals(403, call(HttpMethod.POST, "/api/devices/net0/actions/link-down", TOKEN, null).statusCode());
        assertEquals(403, call(HttpMethod.PUT, "/api/devices/d1", TOKEN, null).statusCode());
        assertEquals(before, node.received.size(), "nothing reached the node");
        assertEquals(401, call(HttpMethod.DELETE, "/api/devices/d1", "wrong", null).statusCode(), "the token is checked first");
        assertEquals(200, call(HttpMethod.POST, "/api/devices/d1/actions/stats", TOKEN, null).statusCode(), "stats only reads");
        assertEquals(200, get("/api/devices").statusCode());
        assertEquals(true, get("/api/nodes").bodyAsJsonObject().getBoolean("readOnly"));
    }

    @Test
    void closedMetricsNeedTheToken() throws Exception {
        startConsole(new JsonObject().put("metricsOpen", false));
        assertEquals(401, call(HttpMethod.GET, "/metrics", null, null).statusCode());
        assertEquals(401, call(HttpMethod.GET, "/health", "wrong", null).statusCode());
        assertEquals(200, call(HttpMethod.GET, "/metrics", TOKEN, null).statusCode());
        assertEquals(200, call(HttpMethod.GET, "/health", TOKEN, null).statusCode());
    }

    @Test
    void openMetricsNeedNoToken() throws Exception {
        startConsole(new JsonObject());
        HttpResponse<Buffer> r = call(HttpMethod.GET, "/metrics", null, null);
        assertEquals(200, r.statusCode());
        assertTrue(r.getHeader("Content-Type").startsWith("text/plain; version=0.0.4"));
    }

    @Test
    void aPortInUseIsSaidWithThePortAndTheSetting() throws Exception {
        vertx = Vertx.vertx();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(vertx.deployVerticle(new ConsoleVerticle(),
                    new DeploymentOptions().setConfig(new JsonObject().put("node", "n1")
                            .put("console", new JsonObject().put("port", taken.getLocalPort()))))));
            assertEquals("console: port " + taken.getLocalPort() + " is already in use (127.0.0.1:" + taken.getLocalPort()
                    + "); set console.port to another port, or 0 for any free one", e.getCause().getMessage());
        }
        assertTrue(vertx.deploymentIDs().isEmpty());
    }

    @Test
    void aGeneratedTokenIsPrintedWithTheUrlAndAWildcardAddressWarns() throws Exception {
        vertx = Vertx.vertx();
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(ConsoleVerticle.class.getName());
        log.addHandler(handler);
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        console = new ConsoleVerticle();
        try {
            System.setOut(new PrintStream(printed, true));
            await(vertx.deployVerticle(console, new DeploymentOptions().setConfig(new JsonObject().put("node", "n1")
                    .put("console", new JsonObject().put("port", 0).put("host", "0.0.0.0")))));
        } finally {
            System.setOut(out);
            log.removeHandler(handler);
        }
        assertTrue(console.port() > 0);
        assertTrue(console.token().length() >= 22, "128 bits");
        assertTrue(printed.toString().contains("console: http://" + ConsoleSettings.defaultNode() + ":" + console.port()
                + "/#token=" + console.token() + "\n"), printed.toString());
        assertTrue(logged.stream().anyMatch(r -> r.getLevel() == java.util.logging.Level.WARNING
                && r.getMessage().contains("0.0.0.0") && r.getMessage().contains("console.token")), "the warning");
        web = io.vertx.ext.web.client.WebClient.create(vertx);
        assertEquals(200, call(HttpMethod.GET, "/api/nodes", console.token(), null).statusCode());
    }

    @Test
    void loopbackIsTheOnlyAddressThatDoesNotWarn() {
        assertTrue(ConsoleVerticle.loopback("127.0.0.1"));
        assertTrue(ConsoleVerticle.loopback("127.1.2.3"));
        assertTrue(ConsoleVerticle.loopback("::1"));
        assertTrue(ConsoleVerticle.loopback("[::1]"));
        assertTrue(ConsoleVerticle.loopback("localhost"));
        assertFalse(ConsoleVerticle.loopback("0.0.0.0"));
        assertFalse(ConsoleVerticle.loopback("10.0.0.1"));
        assertFalse(ConsoleVerticle.loopback("example.org"));
    }

    String scrape() {
        try {
            HttpResponse<Buffer> r = call(HttpMethod.GET, "/metrics", null, null);
            assertEquals(200, r.statusCode());
            return r.bodyAsString();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
