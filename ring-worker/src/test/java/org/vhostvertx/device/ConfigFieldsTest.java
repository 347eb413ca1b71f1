package org.vhostvertx.device;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one configuration validator: unknown fields with the closest known name, and the value checks. */
class ConfigFieldsTest {

    static final Set<String> BLK = Set.of("id", "type", "socket", "image", "ram", "size", "readOnly", "queues");

    @Test
    void knownFieldsPass() {
        assertDoesNotThrow(() -> ConfigFields.onlyKnown(new JsonObject().put("readOnly", true).put("size", "1G"),
                "devices[0]", BLK));
        assertDoesNotThrow(() -> ConfigFields.onlyKnown(new JsonObject(), "devices[0]", Set.of()));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "devices[0] | readonly | devices[0].readonly is not a field; did you mean \"readOnly\"?",
            "devices[0] | READONLY | devices[0].READONLY is not a field; did you mean \"readOnly\"?",
            "luns[2]    | imge     | luns[2].imge is not a field; did you mean \"image\"?",
            "devices[0] | sockte   | devices[0].sockte is not a field; did you mean \"socket\"?",
            "devices[0] | queue    | devices[0].queue is not a field; did you mean \"queues\"?",
            "devices[0] | rom      | devices[0].rom is not a field; did you mean \"ram\"?",
            "devices[0] | colour   | devices[0].colour is not a field; known fields: id, image, queues, ram, "
                    + "readOnly, size, socket, type",
            "devices[0] | ramdisk  | devices[0].ramdisk is not a field; known fields: id, image, queues, ram, "
                    + "readOnly, size, socket, type",
            "           | sise     | \"sise\" is not a field; did you mean \"size\"?",
    })
    void anUnknownFieldIsNamedWithTheClosestKnownOne(String where, String field, String message) {
        JsonObject c = new JsonObject().put("id", "d").put(field, 1);
        assertEquals(message, assertThrows(DeviceException.class, () -> ConfigFields.onlyKnown(c, where, BLK))
                .getMessage());
    }

    @Test
    void theFirstUnknownFieldInTheObjectIsNamed() {
        JsonObject c = new JsonObject().put("sizee", "1G").put("id", "d").put("readonly", true);
        assertEquals("devices[0].sizee is not a field; did you mean \"size\"?",
                assertThrows(DeviceException.class, () -> ConfigFields.onlyKnown(c, "devices[0]", BLK)).getMessage());
    }

    @Test
    void closestNameIgnoresCaseAndStopsAtAThirdOfTheName() {
        assertEquals(0, ClosestName.distance("readonly", "readOnly"));
        assertEquals(3, ClosestName.distance("kitten", "sitting"));
        assertEquals(2, ClosestName.distance("swtich", "switch"));
        assertEquals(4, ClosestName.distance("", "tap_"));
        assertEquals(Optional.of("switch"), ClosestName.to("swtich", List.of("port", "switch")));
        assertEquals(Optional.of("tap"), ClosestName.to("tapp", List.of("name", "tap")));
        // Six letters allow two edits, and "upload" is more than two from "offloads": another word.
        assertEquals(Optional.empty(), ClosestName.to("upload", List.of("offloads")));
        // Among equally close names the first in order wins, so the caller sorts for a stable answer.
        assertEquals(Optional.of("mac"), ClosestName.to("mbc", List.of("mac", "mtc")));
        assertEquals(Optional.of("mtc"), ClosestName.to("mbc", List.of("mtc", "mac")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "0          | \"queues\" must be a whole number from 1 to 64, was 0",
            "65         | \"queues\" must be a whole number from 1 to 64, was 65",
            "1.5        | \"queues\" must be a whole number from 1 to 64, was 1.5",
            "4294967297 | \"queues\" must be a whole number from 1 to 64, was 4294967297",
            "\"2\"      | \"queues\" must be a whole number from 1 to 64, was 2",
    })
    void integerRefusesWhatIsNotAWholeNumberInRange(String json, String message) {
        JsonObject c = new JsonObject().put("queues", io.vertx.core.json.Json.decodeValue(json));
        assertEquals(message, assertThrows(DeviceException.class, () -> ConfigFields.integer(c, "queues", 1, 1, 64))
                .getMessage());
    }

    @Test
    void integerTakesTheDefaultOrTheValue() {
        assertEquals(1, ConfigFields.integer(new JsonObject(), "queues", 1, 1, 64));
        assertEquals(64, ConfigFields.integer(new JsonObject().put("queues", 64), "queues", 1, 1, 64));
    }

    @Test
    void stringIsRequiredAndNotBlankUnlessItHasADefault() {
        assertEquals("devices[1].socket must be a non-empty string", assertThrows(DeviceException.class,
                () -> ConfigFields.string(new JsonObject(), "devices[1]", "socket")).getMessage());
        assertEquals("devices[1].socket must be a non-empty string, was 7", assertThrows(DeviceException.class,
                () -> ConfigFields.string(new JsonObject().put("socket", 7), "devices[1]", "socket")).getMessage());
        assertEquals("devices[1].mode must be a non-empty string, was  ", assertThrows(DeviceException.class,
                () -> ConfigFields.string(new JsonObject().put("mode", " "), "devices[1]", "mode", "server"))
                .getMessage());
        assertEquals("server", ConfigFields.string(new JsonObject(), "devices[1]", "mode", "server"));
        assertEquals("client", ConfigFields.string(new JsonObject().put("mode", "client"), "devices[1]", "mode",
                "server"));
    }

    @Test
    void boolIsTrueOrFalse() {
        assertEquals(false, ConfigFields.bool(new JsonObject(), "luns[0]", "ram"));
        assertEquals(true, ConfigFields.bool(new JsonObject().put("ram", true), "luns[0]", "ram"));
        assertEquals("luns[0].ram must be true or false, was yes", assertThrows(DeviceException.class,
                () -> ConfigFields.bool(new JsonObject().put("ram", "yes"), "luns[0]", "ram")).getMessage());
    }
}
