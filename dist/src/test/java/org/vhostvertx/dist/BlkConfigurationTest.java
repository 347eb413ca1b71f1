package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blk plugin's own fields, refused at deployment with the device and the field named. */
class BlkConfigurationTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "size | \"1X\" | \"size\"",
            "size | 1000 | \"size\" must be a positive multiple of 512",
            "queues | 0 | \"queues\"",
            "readOnly | \"yes\" | \"readOnly\"",
            "blockSize | 1024 | \"blockSize\"",
            "serial | \"a serial that is far too long\" | \"serial\"",
            "ram | 1 | \"ram\"",
            "direct | \"on\" | \"direct\"",
    })
    void blkFieldsAreChecked(String field, String json, String named) throws Exception {
        JsonObject device = new JsonObject().put("id", "disk0").put("type", "blk")
                .put("socket", dir.resolve("d.sock").toString()).put("image", dir.resolve("d.img").toString())
                .put("size", "1M").put(field, io.vertx.core.json.Json.decodeValue(json));
        JsonObject config = new JsonObject().put("devices", new JsonArray().add(device));
        String message = Start.refusal(config).orElseThrow(() -> new AssertionError("started with " + config));
        assertTrue(message.startsWith("configuration refused: devices[0] (\"disk0\")"), message);
        assertTrue(message.contains(named), message);
    }

    @org.junit.jupiter.api.Test
    void directIsForImageFilesNotRamDisks() throws Exception {
        JsonObject device = new JsonObject().put("id", "disk0").put("type", "blk")
                .put("socket", dir.resolve("d.sock").toString()).put("ram", true).put("size", "1M").put("direct", true);
        String message = Start.refusal(new JsonObject().put("devices", new JsonArray().add(device)))
                .orElseThrow(() -> new AssertionError("a direct RAM disk started"));
        assertTrue(message.contains("\"direct\": true applies to an image file"), message);
    }
}
