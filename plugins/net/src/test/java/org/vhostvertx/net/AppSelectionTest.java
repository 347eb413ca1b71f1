package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.VirtioDevice;

import java.lang.reflect.Proxy;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which application an app port gets: the one its "app" names, from the providers ServiceLoader
 * finds ({@link TestAppProviders}), else the one registered in {@link AppPorts}; and the refusals.
 */
class AppSelectionTest {

    @TempDir
    Path dir;

    /** A context that knows only its id: making a device calls nothing else. */
    private static DeviceContext context(String id) {
        return (DeviceContext) Proxy.newProxyInstance(DeviceContext.class.getClassLoader(),
                new Class<?>[]{DeviceContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("id")) {
                        return id;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private JsonObject device(String id) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "app")
                .put("socket", dir.resolve(id + ".sock").toString());
    }

    private static String refusal(JsonObject config) {
        String id = config.getString("id");
        return assertThrows(DeviceException.class, () -> new NetDeviceFactory().create(config, context(id))).getMessage();
    }

    @Test
    void theProviderTheConfigurationNamesMakesTheApplicationWithACopyOfTheEntry() {
        JsonObject config = device("named").put("app", "test-idle");
        try (VirtioDevice d = new NetDeviceFactory().create(config, context("named"))) {
            assertEquals("app", d.describe().getString("port"));
        }
        assertTrue(TestAppProviders.Idle.MADE.containsKey("named"), "made for the device's id");
        JsonObject seen = TestAppProviders.Idle.CONFIGS.get("named");
        assertEquals(config, seen);
        seen.put("mtu", 9000);
        assertFalse(config.containsKey("mtu"), "the provider's copy is its own");
    }

    @Test
    void theApplicationHearsItsDeviceCloseOnceEvenWhenItThrowsThen() {
        new NetDeviceFactory().create(device("closing").put("app", "test-idle"), context("closing")).close();
        assertEquals(1, TestAppProviders.Idle.MADE.get("closing").closed.get());
        JsonObject failing = device("failing").put("app", "test-idle")
                .put("appConfig", new JsonObject().put("failOnClose", true));
        VirtioDevice d = new NetDeviceFactory().create(failing, context("failing"));
        d.close();
        assertEquals(1, TestAppProviders.Idle.MADE.get("failing").closed.get(), "told once; its exception stays with it");
    }

    @Test
    void appConfigReachesTheProviderAsItIsAndIsRefusedWhereNoApplicationReadsIt() {
        JsonObject own = new JsonObject().put("burst", 64).put("peer", "10.0.0.9");
        try (VirtioDevice d = new NetDeviceFactory().create(device("tuned").put("app", "test-idle")
                .put("appConfig", own), context("tuned"))) {
            assertEquals(own, TestAppProviders.Idle.CONFIGS.get("tuned").getJsonObject("appConfig"));
        }
        assertTrue(new NetDeviceFactory().deviceFields().orElseThrow().contains("appConfig"),
                "the node lets the field through to the factory");
        String nameless = refusal(device("nameless").put("appConfig", own));
        assertTrue(nameless.startsWith("\"appConfig\" holds the settings"), nameless);
        String reflect = refusal(device("mirror").put("port", "reflect").put("appConfig", own));
        assertTrue(reflect.startsWith("\"appConfig\" holds the settings"), reflect);
        String notObject = refusal(device("flat").put("app", "test-idle").put("appConfig", "burst=64"));
        assertTrue(notObject.contains("\"appConfig\" must be an object") && notObject.contains("burst=64"), notObject);
    }

    @Test
    void anUnknownNameIsRefusedNamingItAndTheKnownOnes() {
        String message = refusal(device("unknown").put("app", "no-such-app"));
        assertTrue(message.contains("\"no-such-app\""), message);
        assertTrue(message.contains("known: test-idle, test-refusing"), message);
    }

    @Test
    void anAppThatIsNotANameIsRefused() {
        assertTrue(refusal(device("number").put("app", 7)).startsWith("\"app\" must be the name"));
        assertTrue(refusal(device("blank").put("app", " ")).startsWith("\"app\" must be the name"));
    }

    @Test
    void aProvidersRefusalRefusesTheDeviceWithItsReason() {
        assertEquals("\"app\" \"test-refusing\": needs a peer address", refusal(device("peerless").put("app", "test-refusing")));
    }

    @Test
    void anAppOnAnotherKindOfPortIsRefused() {
        String message = refusal(device("reflector").put("port", "reflect").put("app", "test-idle"));
        assertTrue(message.contains("\"port\": \"app\"") && message.contains("\"reflect\""), message);
    }

    @Test
    void withoutAppTheRegisteredApplicationServesAndWithBothTheDeviceIsRefused() throws Exception {
        NetApp registered = (port, pair) -> false;
        try (AutoCloseable r = AppPorts.register("coded", registered)) {
            assertSame(registered, NetDeviceFactory.application(device("coded"), "coded"));
            String both = refusal(device("coded").put("app", "test-idle"));
            assertTrue(both.contains("AppPorts.register") && both.contains("test-idle"), both);
        }
        String neither = refusal(device("coded"));
        assertTrue(neither.contains("AppPorts.register") && neither.contains("NetAppProvider"), neither);
    }
}
