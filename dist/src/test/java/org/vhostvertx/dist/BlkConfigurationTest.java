package org.vhostvertx.dist;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blk plugin's own fields, refused at deployment with the device and the field named. */
class BlkConfigurationTest {

    @TempDir
    Path dir;
    Vertx vertx;

    @BeforeEach
    void vertx() {
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "size | \"1X\" | \"size\"",
            "size | 1000 | \"size\" must be a positive multiple of 512",
            "queues | 0 | \"queues\"",
            "readOnly | \"yes\" | \"readOnly\"",
            "blockSize | 1024 | \"blockSize\"",
            "serial | \"a serial that is far too long\" | \"serial\"",
            "ram | 1 | \"ram\"",
    })
    void blkFieldsAreChecked(String field, String json, String named) {
        JsonObject device = new JsonObject().put("id", "disk0").put("type", "blk")
                .put("socket", dir.resolve("d.sock").toString()).put("image", dir.resolve("d.img").toString())
                .put("size", "1M").put(field, io.vertx.core.json.Json.decodeValue(json));
        JsonObject config = new JsonObject().put("devices", new JsonArray().add(device));
        ExecutionException e = assertThrows(ExecutionException.class, () -> vertx.deployVerticle(new MainVerticle(),
                new DeploymentOptions().setConfig(config)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS));
        String message = e.getCause().getMessage();
        assertTrue(message.startsWith("configuration refused: devices[0] (\"disk0\")"), message);
        assertTrue(message.contains(named), message);
    }
}
