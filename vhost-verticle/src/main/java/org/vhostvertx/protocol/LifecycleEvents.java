package org.vhostvertx.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.lifecycle.Addresses;

/**
 * Publishes what happens on one device's connection on {@link Addresses#EVENTS} (the README lists
 * the events), stamped with the device's id and type, so that the request families report without
 * each knowing the address and the stamp.
 */
final class LifecycleEvents {

    private final Vertx vertx;
    private final String deviceId;
    private final String deviceType;

    LifecycleEvents(Vertx vertx, String deviceId, String deviceType) {
        this.vertx = vertx;
        this.deviceId = deviceId;
        this.deviceType = deviceType;
    }

    void publish(String event, JsonObject fields) {
        vertx.eventBus().publish(Addresses.EVENTS, fields.put("event", event).put("device", deviceId)
                .put("type", deviceType));
    }
}
