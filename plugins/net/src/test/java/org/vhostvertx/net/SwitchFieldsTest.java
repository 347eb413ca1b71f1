package org.vhostvertx.net;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vhostvertx.device.DeviceException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An entry of the top-level "switches" refuses a field it does not know. Without "tap" nothing is
 * opened, so this runs without root.
 */
class SwitchFieldsTest {

    static JsonObject switches(JsonObject... entries) {
        return new JsonObject().put("switches", new JsonArray(java.util.List.of(entries)));
    }

    @Test
    void aMisspeltSwitchFieldIsRefused() {
        NetDeviceFactory factory = new NetDeviceFactory();
        assertEquals("switches[1].offload is not a field; did you mean \"offloads\"?",
                assertThrows(DeviceException.class, () -> factory.configure(switches(new JsonObject().put("name", "a"),
                        new JsonObject().put("name", "b").put("offload", false)))).getMessage());
        assertEquals("switches[0].bridge is not a field; known fields: name, offloads, tap",
                assertThrows(DeviceException.class, () -> factory.configure(switches(new JsonObject()
                        .put("name", "a").put("bridge", "br0")))).getMessage());
    }

    @Test
    void aSwitchWithItsFieldsIsTaken() {
        NetDeviceFactory factory = new NetDeviceFactory();
        assertDoesNotThrow(() -> factory.configure(switches(new JsonObject().put("name", "a").put("offloads", false))));
        factory.close();
    }
}
