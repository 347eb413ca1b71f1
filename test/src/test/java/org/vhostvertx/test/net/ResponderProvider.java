package org.vhostvertx.test.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.net.NetApp;
import org.vhostvertx.net.NetAppProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tests' application provider, listed in META-INF/services: {@code "app": "arp-icmp-responder"}
 * gives an app port an {@link ArpIcmpResponder} for {@link AppPortTest#APP_IP}, made without any
 * call to AppPorts.register, as a jar deployed beside the launcher would make it.
 */
public final class ResponderProvider implements NetAppProvider {

    /** The name a device's "app" gives. */
    static final String NAME = "arp-icmp-responder";
    /** What each device was given, and the configuration it was made with, by device id. */
    static final Map<String, ArpIcmpResponder> MADE = new ConcurrentHashMap<>();
    static final Map<String, JsonObject> CONFIGS = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public NetApp create(String deviceId, JsonObject config) {
        ArpIcmpResponder responder = new ArpIcmpResponder(AppPortTest.APP_IP);
        MADE.put(deviceId, responder);
        CONFIGS.put(deviceId, config);
        return responder;
    }
}
