package org.vhostvertx.dist;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.lifecycle.Addresses;

import java.util.ArrayList;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * The node's own address, {@code vhost.node.<node>} (cluster-wide, request/reply JSON
 * {@code {"action": ...}}): "devices" (what each device's front end and queues are doing),
 * "add-device" and "remove-device" (while the node runs), "config" (the running configuration) and
 * "types" (the device plugins found). A refusal fails the request with 400, 404 or 409 and the
 * reason ({@link Refusal}); anything else that goes wrong, with 500.
 */
final class NodeControl {

    private static final Logger LOG = Logger.getLogger(NodeControl.class.getName());

    private final String node;
    private final RunningDevices devices;
    private final Map<String, DeviceFactory> factories;

    private NodeControl(String node, RunningDevices devices, Map<String, DeviceFactory> factories) {
        this.node = node;
        this.devices = devices;
        this.factories = factories;
    }

    /**
     * Starts answering on the node's address, on the caller's context (which then deploys the
     * devices added at run time as its children).
     */
    static Future<MessageConsumer<JsonObject>> register(Vertx vertx, String node, RunningDevices devices,
                                                        Map<String, DeviceFactory> factories) {
        NodeControl control = new NodeControl(node, devices, factories);
        MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.node(node), control::onRequest);
        return consumer.completion().map(v -> consumer);
    }

    private void onRequest(Message<JsonObject> message) {
        JsonObject body = message.body() == null ? new JsonObject() : message.body();
        Object action = body.getValue("action");
        Future<JsonObject> result;
        try {
            result = switch (action instanceof String a ? a : "") {
                case "devices" -> devices.report().map(list -> new JsonObject().put("node", node)
                        .put("ts", list.ts()).put("devices", list.devices()));
                case "add-device" -> devices.add(body.getValue("device"));
                case "remove-device" -> devices.remove(body.getValue("id"));
                case "config" -> Future.succeededFuture(devices.configuration());
                case "types" -> Future.succeededFuture(types());
                default -> throw Refusal.badRequest("node " + node + " has no action " + (action == null
                        ? "(a request needs \"action\")" : "\"" + action + "\"")
                        + "; known: devices, add-device, remove-device, config, types");
            };
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onComplete(ar -> {
            if (ar.succeeded()) {
                message.reply(ar.result());
            } else if (ar.cause() instanceof Refusal r) {
                LOG.warning("node " + node + ": " + action + " refused: " + r.getMessage());
                message.fail(r.code(), r.getMessage());
            } else {
                LOG.warning("node " + node + ": " + action + " failed: " + ar.cause());
                message.fail(500, String.valueOf(ar.cause().getMessage()));
            }
        });
    }

    /** {"types": [{"type", "fields": [the plugin's declared device fields, sorted] or null}]}. */
    private JsonObject types() {
        JsonArray types = new JsonArray();
        factories.forEach((type, factory) -> types.add(new JsonObject().put("type", type)
                .put("fields", factory.deviceFields().map(f -> new JsonArray(new ArrayList<>(new TreeSet<>(f))))
                        .orElse(null))));
        return new JsonObject().put("types", types);
    }
}
