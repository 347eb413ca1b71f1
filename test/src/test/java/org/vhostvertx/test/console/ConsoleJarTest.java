package org.vhostvertx.test.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.BackendProcess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable jar as bin/run starts it: the console's address with its generated token is
 * printed, the page and uPlot come out of the jar, and the launcher gave Vert.x its metrics.
 */
class ConsoleJarTest {

    @TempDir
    Path dir;

    @Test
    void theJarPrintsTheConsoleWithItsTokenAndServesPageApiAndMetrics() throws Exception {
        Path socket = dir.resolve("d.sock");
        JsonObject config = new JsonObject().put("node", "jar-node").put("workers", 1)
                .put("console", new JsonObject().put("port", 0))
                .put("devices", new JsonArray().add(new JsonObject().put("id", "d").put("type", "blk")
                        .put("socket", socket.toString()).put("ram", true).put("size", "1M")));
        try (BackendProcess backend = BackendProcess.start(config, dir, socket)) {
            Matcher printed = Pattern.compile("console: (http://127\\.0\\.0\\.1:(\\d+)/)#token=([A-Za-z0-9_-]{22})\n")
                    .matcher(backend.log());
            assertTrue(printed.find(), backend.log());
            String url = printed.group(1);
            String token = printed.group(3);
            HttpClient http = HttpClient.newHttpClient();

            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<script type=\"module\" src=\"/js/main.js\">"), page.body());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(url + "webjars/uplot/dist/uPlot.esm.js")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());

            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(url + "api/devices")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            HttpResponse<String> devices = http.send(HttpRequest.newBuilder(URI.create(url + "api/devices"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, devices.statusCode(), devices.body());
            JsonObject d = new JsonObject(devices.body()).getJsonArray("devices").getJsonObject(0);
            assertEquals("jar-node", d.getString("node"));
            assertEquals("listening", d.getString("state"));

            String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(1, PrometheusText.value(metrics, "vhost_device_state", "node", "jar-node", "device", "d",
                    "state", "listening"), metrics);
            assertTrue(metrics.contains("\nvertx_http_server_"), "Vert.x metrics from the launcher's options");
            assertTrue(metrics.contains("\njvm_threads_live_threads "), "JVM metrics");
        }
    }
}
