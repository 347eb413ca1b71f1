package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The providers this module's tests list in META-INF/services/org.vhostvertx.net.NetAppProvider. */
final class TestAppProviders {

    private TestAppProviders() {
    }

    /** An application that does nothing, as "test-idle"; remembers what it was made with. */
    public static final class Idle implements NetAppProvider {
        static final Map<String, JsonObject> CONFIGS = new ConcurrentHashMap<>();
        static final Map<String, Counting> MADE = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return "test-idle";
        }

        @Override
        public NetApp create(String deviceId, JsonObject config) {
            CONFIGS.put(deviceId, config);
            Counting app = new Counting(config.getJsonObject("appConfig", new JsonObject()).getBoolean("failOnClose", false));
            MADE.put(deviceId, app);
            return app;
        }
    }

    /** Moves nothing; counts how often it was told its device closed, and throws then if asked to. */
    static final class Counting implements NetApp {
        final AtomicInteger closed = new AtomicInteger();
        private final boolean failOnClose;

        Counting(boolean failOnClose) {
            this.failOnClose = failOnClose;
        }

        @Override
        public void closed(AppPort port) {
            closed.incrementAndGet();
            if (failOnClose) {
                throw new IllegalStateException("fails on close, as asked");
            }
        }

        @Override
        public boolean poll(AppPort port, int pair) {
            return false;
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
