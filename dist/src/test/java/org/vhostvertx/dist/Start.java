package org.vhostvertx.dist;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Starts the back end as the launcher does, with every plugin on the class path, and stops it again. */
final class Start {

    private Start() {
    }

    /** What the operator is told when the back end refuses config; empty when it started with it. */
    static Optional<String> refusal(JsonObject config) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try {
            vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)).toCompletionStage()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of(e.getCause().getMessage());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
