package org.vhostvertx.test.frontend;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.dist.MainVerticle;

import java.util.concurrent.TimeUnit;

/** Our back end started in this JVM, as the launcher would start it, for tests. */
public final class Backend implements AutoCloseable {

    private final Vertx vertx;
    private final String deployment;

    private Backend(Vertx vertx, String deployment) {
        this.vertx = vertx;
        this.deployment = deployment;
    }

    public static Backend start(JsonObject config) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try {
            String id = vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new Backend(vertx, id);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /** A configuration with these devices and defaults for the rest. */
    public static JsonObject config(JsonObject... devices) {
        JsonArray a = new JsonArray();
        for (JsonObject d : devices) {
            a.add(d);
        }
        return new JsonObject().put("workers", 2).put("pollMicros", 20).put("statsMillis", 0).put("devices", a);
    }

    public Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() throws Exception {
        try {
            vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
