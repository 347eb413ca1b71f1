package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.VirtioDevice;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wrong configuration is refused with a message naming the field. */
class ConfigurationTest {

    /** The plugins on the class path: blk, net and scsi. */
    static final Map<String, DeviceFactory> TYPES = MainVerticle.factories();

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
            "type | \"floppy\" | devices[0].type \"floppy\" is not a known device type; known: [blk, net, scsi]",
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
    void aNodeWithoutDevicesIsAConfiguration() {
        // Devices may come at run time (add-device), and the running configuration of a node whose
        // devices were all removed must start again.
        JsonObject c = valid().put("devices", new JsonArray());
        assertEquals(0, Configuration.parse(c, TYPES).devices().size());
    }

    @Test
    void theNodeIsNamedAfterTheHostUnlessTheConfigurationNamesIt() {
        assertEquals(Configuration.defaultNode(), Configuration.parse(valid(), TYPES).node());
        assertTrue(Configuration.defaultNode().matches("[A-Za-z0-9_.-]{1,64}"), Configuration.defaultNode());
        assertEquals("rack-7", Configuration.parse(valid().put("node", "rack-7"), TYPES).node());
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
            "host-1.example.org | host-1.example.org",
            "my host/é          | my-host--",
            "''                 | localhost",
    })
    void aHostNameBecomesANodeName(String host, String node) {
        assertEquals(node, Configuration.nodeName(host));
        assertEquals("x".repeat(64), Configuration.nodeName("x".repeat(70)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"a b\"  | \"node\" must be 1 to 64 of A-Z a-z 0-9 _ . -, was \"a b\"",
            "7        | \"node\" must be a non-empty string, was 7",
            "\"\"     | \"node\" must be a non-empty string, was ",
    })
    void aBadNodeNameIsRefused(String json, String message) {
        JsonObject c = valid().put("node", io.vertx.core.json.Json.decodeValue(json));
        assertEquals(message.strip(), assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES))
                .getMessage().strip());
    }

    @Test
    void aMisspeltNodeIsRefusedWithTheClosestName() {
        assertEquals("\"nodes\" is not a field; did you mean \"node\"?", assertThrows(ConfigException.class,
                () -> Configuration.parse(valid().put("nodes", "n"), TYPES)).getMessage());
    }

    static JsonObject console() {
        return new JsonObject().put("host", "0.0.0.0").put("port", 8080).put("token", "0123456789abcdef")
                .put("readOnly", true).put("enabled", true).put("metricsOpen", false);
    }

    @Test
    void theConsoleObjectIsCheckedAndKept() {
        assertEquals(console(), Configuration.parse(valid().put("console", console()), TYPES).console());
        assertEquals(null, Configuration.parse(valid(), TYPES).console());
        assertEquals(new JsonObject(), Configuration.parse(valid().put("console", new JsonObject()), TYPES).console());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "host        | 7                  | console.host must be a non-empty string, was 7",
            "port        | 65536              | console.port must be a whole number from 0 to 65535, was 65536",
            "port        | \"80\"             | console.port must be a whole number from 0 to 65535, was 80",
            "token       | \"short-secret\"   | console.token must be a string of 16 to 128 characters, has 12",
            "token       | 1234567890123456   | console.token must be a string of 16 to 128 characters",
            "readOnly    | \"yes\"            | console.readOnly must be true or false, was yes",
            "enabled     | 1                  | console.enabled must be true or false, was 1",
            "metricsOpen | null               | ",
            "tokn        | \"x\"              | console.tokn is not a field; did you mean \"token\"?",
    })
    void aBadConsoleFieldIsRefusedByName(String field, String json, String message) {
        JsonObject console = console();
        console.put(field, io.vertx.core.json.Json.decodeValue(json));
        JsonObject c = valid().put("console", console);
        if (message == null) {
            // null is absent: the field's default.
            assertEquals(console, Configuration.parse(c, TYPES).console());
            return;
        }
        assertEquals(message, assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage());
    }

    @Test
    void aLongTokenIsRefusedWithoutRepeatingIt() {
        String token = "s".repeat(129);
        JsonObject c = valid().put("console", console().put("token", token));
        String message = assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage();
        assertEquals("console.token must be a string of 16 to 128 characters, has 129", message);
        assertFalse(message.contains("sss"));
    }

    @Test
    void theConsoleMustBeAnObject() {
        assertTrue(assertThrows(ConfigException.class, () -> Configuration.parse(valid().put("console", "on"), TYPES))
                .getMessage().startsWith("\"console\" must be an object"));
    }

    @Test
    void theRunningConfigurationParsesToTheSameNodeAndDevices() {
        JsonObject given = valid().put("switches", new JsonArray()).put("console", console());
        Configuration c = Configuration.parse(given, TYPES);
        JsonObject running = c.withDevices(c.devices().stream().map(Configuration.Device::entry).toList());
        Configuration again = Configuration.parse(running, TYPES);
        assertEquals(c.node(), running.getString("node"), "the default node name is written out");
        assertEquals(c.node(), again.node());
        assertEquals(c.workers(), again.workers());
        assertEquals(c.console(), again.console());
        assertEquals(new JsonArray(), running.getJsonArray("switches"));
        assertEquals(c.devices(), again.devices());
        assertEquals(0, Configuration.parse(c.withDevices(java.util.List.of()), TYPES).devices().size());
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

    @Test
    void aMisspeltTopLevelFieldIsRefused() {
        JsonObject c = valid().put("workerz", 3);
        assertEquals("\"workerz\" is not a field; did you mean \"workers\"?",
                assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage());
    }

    @Test
    void aPluginsTopLevelFieldIsAcceptedAndItsMisspellingRefused() {
        JsonObject c = valid().put("switches", new JsonArray());
        assertEquals(1, Configuration.parse(c, TYPES).devices().size());
        c.put("switchs", c.remove("switches"));
        assertEquals("\"switchs\" is not a field; did you mean \"switches\"?",
                assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "blk  | sockets  | devices[0].sockets is not a field; did you mean \"socket\"?",
            "blk  | Mode     | devices[0].Mode is not a field; did you mean \"mode\"?",
            "blk  | readonly | devices[0].readonly is not a field; did you mean \"readOnly\"?",
            "scsi | lun      | devices[0].lun is not a field; did you mean \"luns\"?",
            "net  | swtich   | devices[0].swtich is not a field; did you mean \"switch\"?",
            "net  | bridge   | devices[0].bridge is not a field; known fields: app, appConfig, captureDir, disableFeatures, id, mac, mode, mtu, port, queues, "
                    + "reconnectMillis, socket, socketPermissions, switch, type",
    })
    void aMisspeltDeviceFieldIsRefused(String type, String field, String message) {
        JsonObject c = valid();
        JsonObject device = c.getJsonArray("devices").getJsonObject(0).put("type", type);
        device.remove("image");
        device.remove("size");
        device.put(field, 1);
        assertEquals(message, assertThrows(ConfigException.class, () -> Configuration.parse(c, TYPES)).getMessage());
    }

    /** A plugin written before deviceFields existed declares nothing: its devices' fields pass unchecked. */
    @Test
    void anUndeclaringPluginsFieldsPass() {
        Map<String, DeviceFactory> types = new TreeMap<>(TYPES);
        types.put("old", new Plugin("old", Optional.empty()));
        JsonObject c = valid();
        c.getJsonArray("devices").getJsonObject(0).put("type", "old").put("anything", true);
        assertEquals("old", Configuration.parse(c, types).devices().getFirst().type());
    }

    @Test
    void aPluginWithNoFieldsOfItsOwnTakesOnlyTheCommonOnes() {
        Map<String, DeviceFactory> types = new TreeMap<>(TYPES);
        types.put("bare", new Plugin("bare", Optional.of(Set.of())));
        JsonObject c = valid();
        JsonObject device = c.getJsonArray("devices").getJsonObject(0).put("type", "bare");
        assertEquals("devices[0].image is not a field; known fields: disableFeatures, id, mode, reconnectMillis, socket, "
                + "socketPermissions, type", assertThrows(ConfigException.class, () -> Configuration.parse(c, types))
                .getMessage());
        device.remove("image");
        device.remove("size");
        assertEquals("bare", Configuration.parse(c, types).devices().getFirst().type());
    }

    record Plugin(String type, Optional<Set<String>> deviceFields) implements DeviceFactory {
        @Override
        public VirtioDevice create(JsonObject config, DeviceContext context) {
            throw new UnsupportedOperationException("parse only");
        }
    }
}
