package org.vhostvertx.console;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A console deployed against a {@link FakeNode}, and blocking HTTP calls to it. */
abstract class ConsoleTestSupport {

    static final String TOKEN = "secret-token";
    static final Duration DEADLINE = Duration.ofSeconds(30);

    Vertx vertx;
    FakeNode node;
    ConsoleVerticle console;
    WebClient web;

    void startConsole(JsonObject consoleSettings) throws Exception {
        vertx = Vertx.vertx();
        node = new FakeNode(vertx, "n1").start().device("d1", "blk", "running").device("net0", "net", "listening");
        beforeConsole();
        console = new ConsoleVerticle();
        await(vertx.deployVerticle(console, new DeploymentOptions().setConfig(new JsonObject().put("node", "n1")
                .put("console", new JsonObject().put("port", 0).put("token", TOKEN).mergeIn(consoleSettings)))));
        web = WebClient.create(vertx);
    }

    /** What a test needs on the bus before the console starts (its node is up). */
    void beforeConsole() throws Exception {
    }

    void stopConsole() throws Exception {
        if (vertx != null) {
            await(vertx.close());
        }
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    HttpResponse<Buffer> call(HttpMethod method, String path, String token, JsonObject body) throws Exception {
        HttpRequest<Buffer> r = web.request(method, console.port(), "127.0.0.1", path);
        if (token != null) {
            r.putHeader("Authorization", "Bearer " + token);
        }
        return await(body == null ? r.send() : r.sendJsonObject(body));
    }

    HttpResponse<Buffer> get(String path) throws Exception {
        return call(HttpMethod.GET, path, TOKEN, null);
    }

    static String error(HttpResponse<Buffer> r) {
        return r.bodyAsJsonObject().getString("error");
    }

    /** Waits for a condition, failing with what after the deadline. */
    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + DEADLINE.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
