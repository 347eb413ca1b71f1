package org.vhostvertx.dist;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every level of the configuration (top level, device, LUN, switch) refuses a field it does not
 * know, telling the operator the closest known name, and takes every field README.md documents.
 */
class FieldNamesTest {

    @TempDir
    Path dir;

    /**
     * A configuration that starts, with field put at level: the top level; a blk, scsi or net
     * device; the scsi device's LUN; an entry of "switches"; or the "console" object.
     */
    JsonObject configuration(String level, String field, Object value) {
        JsonObject top = new JsonObject();
        JsonObject device = new JsonObject().put("id", "d0").put("socket", dir.resolve("d0.sock").toString());
        JsonObject lun = new JsonObject().put("ram", true).put("size", "1M");
        JsonObject sw = new JsonObject().put("name", "br0");
        JsonObject console = new JsonObject();
        JsonObject cluster = new JsonObject();
        switch (level) {
            case "scsi", "lun" -> device.put("type", "scsi").put("luns", new JsonArray().add(lun));
            case "net" -> device.put("type", "net").put("port", "reflect");
            default -> device.put("type", "blk").put("ram", true).put("size", "1M");
        }
        JsonObject target = switch (level) {
            case "top" -> top;
            case "lun" -> lun;
            case "switch" -> sw;
            case "console" -> console;
            case "cluster" -> cluster;
            default -> device;
        };
        target.put(field, value);
        if (level.equals("switch")) {
            top.put("switches", new JsonArray().add(sw));
        }
        if (level.equals("console")) {
            top.put("console", console);
        }
        if (level.equals("cluster")) {
            top.put("cluster", cluster);
        }
        return top.put("devices", top.getValue("devices", new JsonArray().add(device)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "top    | workerz  | \"workerz\" is not a field; did you mean \"workers\"?",
            "blk    | readonly | devices[0].readonly is not a field; did you mean \"readOnly\"?",
            "blk    | sokcet   | devices[0].sokcet is not a field; did you mean \"socket\"?",
            "scsi   | queuse   | devices[0].queuse is not a field; did you mean \"queues\"?",
            "net    | mtus     | devices[0].mtus is not a field; did you mean \"mtu\"?",
            "lun    | readonly | devices[0] (\"d0\"): luns[0].readonly is not a field; did you mean \"readOnly\"?",
            "switch | offload  | switches[0].offload is not a field; did you mean \"offloads\"?",
            "top    | nodes    | \"nodes\" is not a field; did you mean \"node\"?",
            "console| tokn     | console.tokn is not a field; did you mean \"token\"?",
            "cluster| member   | cluster.member is not a field; did you mean \"members\"?",
            "top    | clusters | \"clusters\" is not a field; did you mean \"cluster\"?",
    })
    void aMisspeltFieldIsRefusedWithTheClosestName(String level, String field, String message) throws Exception {
        assertEquals(Optional.of("configuration refused: " + message),
                Start.refusal(configuration(level, field, true)));
    }

    /**
     * The configurations the tests here start from are good ones, so a refusal is the field's doing:
     * else every documented field would pass below for being refused for something else.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "top    | workers  | 1",
            "blk    | readOnly | true",
            "scsi   | queues   | 2",
            "net    | mtu      | 9000",
            "lun    | readOnly | true",
            "switch | offloads | false",
            "top    | node     | \"n1\"",
            "console| readOnly | true",
            "cluster| name     | \"rack1\"",
    })
    void eachLevelStartsWithAFieldOfItsOwn(String level, String field, String json) throws Exception {
        assertEquals(Optional.empty(), Start.refusal(configuration(level, field, Json.decodeValue(json))));
    }

    /**
     * README.md's configuration section: the fields of each table (by the line before it: "Top
     * level", "Every device", "blk", "scsi", "net", "console", "cluster"), of the LUN object in the luns row
     * ("lun") and of the switches example ("switch", whose own name is a top-level field).
     */
    static Map<String, Set<String>> documented() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Configuration"), readme.indexOf("## Actions"));
        Map<String, Set<String>> fields = new LinkedHashMap<>();
        Pattern table = Pattern.compile("(Top level|Every device|A `(\\w+)` device.* adds|The `(console|cluster)` object.*):");
        Pattern row = Pattern.compile("\\| `(\\w+)` \\|.*");
        String level = null;
        for (String line : section.lines().toList()) {
            Matcher t = table.matcher(line);
            Matcher r = row.matcher(line);
            if (t.matches()) {
                level = t.group(2) != null ? t.group(2) : t.group(3) != null ? t.group(3) : t.group(1);
            } else if (r.matches()) {
                fields.computeIfAbsent(level, k -> new LinkedHashSet<>()).add(r.group(1));
                if (r.group(1).equals("luns")) {
                    fields.put("lun", keys(line));
                }
            }
        }
        Matcher switches = Pattern.compile("\"switches\": \\[\\{[^\\]]*\\}\\]").matcher(section);
        if (switches.find()) {
            fields.get("Top level").add("switches");
            Set<String> keys = keys(switches.group());
            keys.remove("switches");
            fields.put("switch", keys);
        }
        return fields;
    }

    private static Set<String> keys(String json) {
        Set<String> keys = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\"(\\w+)\":").matcher(json);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    @Test
    void theReadmeDocumentsEveryLevel() throws IOException {
        Map<String, Set<String>> fields = documented();
        assertEquals(Set.of("Top level", "Every device", "blk", "scsi", "net", "lun", "switch", "console", "cluster"),
                fields.keySet());
        assertTrue(fields.get("Top level").containsAll(Set.of("node", "workers", "devices", "switches", "console",
                "cluster")), fields.toString());
        assertEquals(Configuration.CONSOLE_FIELDS, fields.get("console"));
        assertEquals(ClusterSettings.FIELDS, fields.get("cluster"));
        assertTrue(fields.get("lun").containsAll(Set.of("image", "ram", "readOnly", "serial")), fields.toString());
        assertEquals(Set.of("name", "tap", "offloads"), fields.get("switch"));
    }

    static Stream<Arguments> documentedFields() throws IOException {
        Map<String, String> levels = Map.of("Top level", "top", "Every device", "blk");
        return documented().entrySet().stream().flatMap(e -> e.getValue().stream()
                .map(field -> Arguments.of(levels.getOrDefault(e.getKey(), e.getKey()), field)));
    }

    /**
     * With a value no field takes, so the only question is whether the refusal, if any, says the
     * field is not one: it does exactly when a plugin (or the launcher) left it out of its fields.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("documentedFields")
    void everyDocumentedFieldIsAField(String level, String field) throws Exception {
        Optional<String> refusal = Start.refusal(configuration(level, field, new JsonArray().add("not a value")));
        refusal.ifPresent(message -> assertFalse(message.contains("is not a field"), message));
    }

    @Test
    void theReadmeExampleIsAccepted() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher example = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(example.find(), "README.md has a JSON example");
        Configuration c = Configuration.parse(new JsonObject(example.group(1)), MainVerticle.factories());
        assertEquals("disk0", c.devices().getFirst().id());
    }
}
