package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wrong configuration is refused with a message naming the field. */
class ConfigurationTest {

    static final Set<String> TYPES = Set.of("blk");

    static JsonObject valid() {
        return new JsonObject().put("devices", new JsonArray().add(new JsonObject().put("id", "disk0")
                .put("type", "blk").put("socket", "/tmp/x.sock").put("image", "/tmp/x.img").put("size", "1G")));
    }

    @Test
    void validConfigurationWithDefaults() {
        Configuration c = Configuration.parse(valid(), TYPES);
        assertEquals(2, c.workers());
        assertEquals(1, c.devices().size());
        assertEquals("disk0", c.devices().getFirst().id());
        assertEquals("rw-------", c.devices().getFirst().settings().socketPermissions());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "workers | 0 | workers",
            "workers | \"two\" | workers",
            "pollMicros | -1 | pollMicros",
            "devices | [] | \"devices\"",
            "devices | {} | \"devices\"",
    })
    void topLevelFields(String field, String json, String named) {
        JsonObject c = valid();
        c.put(field, io.vertx.core.json.Json.decodeValue(json));
        ConfigException e = assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "id | \"a b\" | devices[0].id",
            "id | 7 | devices[0].id",
            "type | \"floppy\" | devices[0].type",
            "socket | \"\" | devices[0].socket",
            "mode | \"listen\" | devices[0].mode",
            "socketPermissions | \"0600\" | devices[0].socketPermissions",
            "reconnectMillis | 0 | devices[0].reconnectMillis",
    })
    void deviceFields(String field, String json, String named) {
        JsonObject c = valid();
        c.getJsonArray("devices").getJsonObject(0).put(field, io.vertx.core.json.Json.decodeValue(json));
        ConfigException e = assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void duplicateIdsAndSocketsAreRefused() {
        JsonObject c = valid();
        c.getJsonArray("devices").add(c.getJsonArray("devices").getJsonObject(0).copy());
        assertTrue(assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage()
                .contains("devices[1].id \"disk0\" is used twice"));
        c.getJsonArray("devices").getJsonObject(1).put("id", "disk1");
        assertTrue(assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage()
                .contains("devices[1].socket"));
    }
}
