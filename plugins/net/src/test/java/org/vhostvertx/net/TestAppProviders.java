package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The providers this module's tests list in META-INF/services/org.vhostvertx.net.NetAppProvider. */
final class TestAppProviders {

    private TestAppProviders() {
    }

    /** An application that does nothing, as "test-idle"; remembers what it was made with. */
    public static final class Idle implements NetAppProvider {
        static final Map<String, JsonObject> CONFIGS = new ConcurrentHashMap<>();
        static final Map<String, NetApp> MADE = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "test-idle";
        }

        @Override
        public NetApp create(String deviceId, JsonObject config) {
            CONFIGS.put(deviceId, config);
            NetApp app = (port, pair) -> false;
            MADE.put(deviceId, app);
            return app;
        }
    }

    /** A provider that refuses every device, as "test-refusing". */
    public static final class Refusing implements NetAppProvider {
        @Override
        public String name() {
            return "test-refusing";
        }

        @Override
        public NetApp create(String deviceId, JsonObject config) {
            throw new DeviceException("needs a peer address");
        }
    }
}
