package org.vhostvertx.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.device.lifecycle.Envelope;

/**
 * Publishes what happens on one device's connection on {@link Addresses#EVENTS} (the README lists
 * the events), in the device's {@link Envelope}, so that the request families report without each
 * knowing the address and the stamp.
 */
final class LifecycleEvents {

    private final Vertx vertx;
    private final Envelope envelope;

    LifecycleEvents(Vertx vertx, Envelope envelope) {
        this.vertx = vertx;
        this.envelope = envelope;
    }

    /** An event that happens now. */
    void publish(String event, JsonObject fields) {
        vertx.eventBus().publish(Addresses.EVENTS, envelope.event(event, fields));
    }

    /** An event that happened at ts (epoch ms). */
    void publish(String event, JsonObject fields, long ts) {
        vertx.eventBus().publish(Addresses.EVENTS, envelope.event(event, fields, ts));
    }
}
