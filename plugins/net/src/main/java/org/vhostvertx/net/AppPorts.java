package org.vhostvertx.net;

import org.vhostvertx.device.DeviceException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which {@link NetApp} serves which {@code "port": "app"} device of this JVM, by device id. Register
 * before the node creates the device (at start, or before {@code add-device}); creating an app port
 * with no application registered for its id is refused, naming the id. A device whose configuration
 * names its application ({@code "app": NAME}) gets it from a {@link NetAppProvider} instead, found
 * without code; one that has both is refused.
 */
public final class AppPorts {

    private static final Map<String, NetApp> APPS = new ConcurrentHashMap<>();

    private AppPorts() {
    }

    /**
     * Makes app serve the app port with this id; the returned handle's close() takes it back (a
     * device made before that keeps it). An id that has an application already is refused.
     */
    public static AutoCloseable register(String deviceId, NetApp app) {
        if (app == null) {
            throw new IllegalArgumentException("no application given for " + deviceId);
        }
        if (APPS.putIfAbsent(deviceId, app) != null) {
            throw new IllegalStateException("an application is registered for net device " + deviceId + " already");
        }
        return () -> APPS.remove(deviceId, app);
    }

    static NetApp lookup(String deviceId) {
        NetApp app = APPS.get(deviceId);
        if (app == null) {
            throw new DeviceException("\"port\": \"app\" needs an application registered for \"" + deviceId
                    + "\" (AppPorts.register) before the device is made, or \"app\": the name of an application"
                    + " provider (NetAppProvider); it has neither");
        }
        return app;
    }

    static boolean registered(String deviceId) {
        return APPS.containsKey(deviceId);
    }
}
