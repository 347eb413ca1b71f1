package org.vhostvertx.test.console;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.vhostvertx.test.frontend.Backend;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Blocking HTTP calls to the console of a {@link Backend}, and waiting for conditions. */
final class ConsoleClient implements AutoCloseable {

    static final String TOKEN = "console-test-token-0123456789";
    static final long DEADLINE_SECONDS = 30;

    final Backend backend;
    final WebClient web;
    final int port;

    ConsoleClient(Backend backend) {
        assertNotNull(backend.console(), "the console is running");
        this.backend = backend;
        this.web = WebClient.create(backend.vertx());
        this.port = backend.console().port();
    }

    /** Backend.config(devices) with stats every 100 ms and a console on any free port with TOKEN. */
    static JsonObject config(JsonObject console, JsonObject... devices) {
        return Backend.config(devices).put("statsMillis", 100)
                .put("console", new JsonObject().put("port", 0).put("token", TOKEN).mergeIn(console));
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    HttpResponse<Buffer> call(HttpMethod method, String path, String token, JsonObject body) throws Exception {
        HttpRequest<Buffer> r = web.request(method, port, "127.0.0.1", path);
        if (token != null) {
            r.putHeader("Authorization", "Bearer " + token);
        }
        return await(body == null ? r.send() : r.sendJsonObject(body));
    }

    HttpResponse<Buffer> get(String path) throws Exception {
        return call(HttpMethod.GET, path, TOKEN, null);
    }

    HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
        return call(HttpMethod.POST, path, TOKEN, body);
    }

    HttpResponse<Buffer> delete(String path) throws Exception {
        return call(HttpMethod.DELETE, path, TOKEN, null);
    }

    /** The device as GET /api/devices/{node}/{id} reports it. */
    JsonObject device(String id) throws Exception {
        return get("/api/devices/" + Backend.NODE + "/" + id).bodyAsJsonObject();
    }

    String metrics() throws Exception {
        return call(HttpMethod.GET, "/metrics", null, null).bodyAsString();
    }

    static String error(HttpResponse<Buffer> r) {
        return r.bodyAsJsonObject().getString("error");
    }

    /** A check that may throw, for {@link #waitFor}. */
    interface Check {
        boolean holds() throws Exception;
    }

    /** Waits up to DEADLINE_SECONDS for a condition, failing with what it waited for. */
    static void waitFor(String what, Check check) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!check.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + DEADLINE_SECONDS + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        web.close();
    }
}
