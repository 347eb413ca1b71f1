package org.vhostvertx.dist;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "disableFeatures" is checked against what the device type offers when the device is made: a
 * name of another type's feature, a misspelt one or one vhost-user needs is refused by name.
 */
class DisableFeaturesTest {

    @TempDir
    Path dir;

    JsonObject configuration(String type, Object disable) {
        JsonObject device = new JsonObject().put("id", "d0").put("type", type)
                .put("socket", dir.resolve("d0.sock").toString()).put("disableFeatures", disable);
        switch (type) {
            case "blk" -> device.put("image", dir.resolve("d0.img").toString()).put("size", "1M");
            case "scsi" -> device.put("luns", new JsonArray().add(new JsonObject().put("ram", true).put("size", "1M")));
            default -> device.put("port", "reflect");
        }
        return new JsonObject().put("console", new JsonObject().put("enabled", false))
                .put("devices", new JsonArray().add(device));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "blk  | [\"EVENT_IDX\", \"RING_PACKED\", \"FLUSH\", \"DISCARD\", \"LOG_ALL\"]",
            "scsi | [\"INDIRECT_DESC\", \"HOTPLUG\"]",
            "net  | [\"MRG_RXBUF\", \"CSUM\", \"MQ\"]",
            "blk  | []",
    })
    void featuresTheTypeOffersMayBeDisabled(String type, String names) throws Exception {
        assertEquals(Optional.empty(), Start.refusal(configuration(type, Json.decodeValue(names))));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "blk  | [\"MRG_RXBUF\"]    | \"MRG_RXBUF\" is not a feature a blk device offers; it offers ",
            "net  | [\"FLUSH\"]        | \"FLUSH\" is not a feature a net device offers; it offers ",
            "blk  | [\"EVENT_IDX\", \"event_idx\"] | \"event_idx\" is not a feature a blk device offers",
            "scsi | [\"VERSION_1\"]    | \"VERSION_1\" cannot be disabled: vhost-user needs it",
            "blk  | [\"PROTOCOL_FEATURES\"] | \"PROTOCOL_FEATURES\" cannot be disabled",
            "blk  | \"EVENT_IDX\"      | devices[0].disableFeatures must be a list of feature names",
            "blk  | [29]               | devices[0].disableFeatures must be a list of feature names",
    })
    void anythingElseIsRefusedByName(String type, String names, String message) throws Exception {
        Optional<String> refusal = Start.refusal(configuration(type, Json.decodeValue(names)));
        assertTrue(refusal.isPresent() && refusal.get().contains(message.strip()), refusal.toString());
        if (message.contains("it offers")) {
            // The refusal lists what may be named instead, the type's own features and the transport's.
            assertTrue(refusal.get().contains("EVENT_IDX") && refusal.get().contains("RING_PACKED")
                    && !refusal.get().contains("VERSION_1"), refusal.get());
        }
    }
}
