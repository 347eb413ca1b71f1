package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The {@link NetAppProvider}s on the class path, by name: where a device's {@code "app"} is looked up. */
final class NetAppProviders {

    private NetAppProviders() {
    }

    /** The application that provider name makes for device id, or a refusal naming what is wrong. */
    static NetApp create(String name, String id, JsonObject config) {
        Map<String, List<NetAppProvider>> byName = found();
        List<NetAppProvider> providers = byName.get(name);
        if (providers == null) {
            throw new DeviceException("\"app\": no application provider (NetAppProvider) named \"" + name
                    + "\" is on the class path; known: " + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())));
        }
        if (providers.size() > 1) {
            throw new DeviceException("\"app\": more than one application provider is named \"" + name + "\": "
                    + String.join(", ", providers.stream().map(p -> p.getClass().getName()).toList()));
        }
        NetApp app;
        try {
            app = providers.getFirst().create(id, config.copy());
        } catch (DeviceException e) {
            throw new DeviceException("\"app\" \"" + name + "\": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DeviceException("\"app\" \"" + name + "\" failed to make the application of " + id + ": " + e, e);
        }
        if (app == null) {
            throw new DeviceException("\"app\" \"" + name + "\" made no application for " + id + " (create returned null)");
        }
        return app;
    }

    /**
     * Looked up again for each app port made (that is rare, and a cache would outlive the class
     * loader it was filled from), with the thread's context class loader, as the node finds the
     * device plugins themselves (MainVerticle.factories): a provider's jar goes where a plugin's does.
     */
    static Map<String, List<NetAppProvider>> found() {
        Map<String, List<NetAppProvider>> byName = new TreeMap<>();
        try {
            for (NetAppProvider p : ServiceLoader.load(NetAppProvider.class)) {
                byName.computeIfAbsent(String.valueOf(p.name()), n -> new ArrayList<>()).add(p);
            }
        } catch (ServiceConfigurationError e) {
            throw new DeviceException("\"app\": the application providers (NetAppProvider) cannot be loaded: "
                    + e.getMessage(), e);
        }
        return byName;
    }
}
