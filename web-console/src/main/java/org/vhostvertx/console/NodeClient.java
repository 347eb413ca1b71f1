package org.vhostvertx.console;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/**
 * Requests to the nodes over the event-bus contract: {@code vhost.node.<node>} for the node's
 * devices, configuration and types, {@code vhost.control.<node>.<id>} for a device's actions. A
 * failure becomes an {@link ApiException} with the HTTP status it means: the node's own refusals
 * keep their code (400 bad field, 404 unknown device, 409 conflict), no answer within the timeout is
 * 504.
 */
final class NodeClient {

    static final long TIMEOUT_MILLIS = 5000;

    private final Vertx vertx;
    private final long timeoutMillis;

    NodeClient(Vertx vertx, long timeoutMillis) {
        this.vertx = vertx;
        this.timeoutMillis = timeoutMillis;
    }

    static String nodeAddress(String node) {
        return "vhost.node." + node;
    }

    static String controlAddress(String node, String id) {
        return "vhost.control." + node + "." + id;
    }

    /** Sends {"action": action, ...} to the node. */
    Future<JsonObject> node(String node, JsonObject request) {
        return request(nodeAddress(node), request, "node " + node, "no node named " + node + " is running");
    }

    /** Sends an action to a device of a node. */
    Future<JsonObject> control(String node, String id, JsonObject request) {
        return request(controlAddress(node, id), request, "node " + node,
                "no device " + id + " on node " + node);
    }

    private Future<JsonObject> request(String address, JsonObject body, String who, String nobody) {
        return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMillis))
                .map(Message::body)
                .recover(e -> Future.failedFuture(translate(e, who, nobody)));
    }

    private Throwable translate(Throwable e, String who, String nobody) {
        if (!(e instanceof ReplyException r)) {
            return new ApiException(500, String.valueOf(e.getMessage()));
        }
        return switch (r.failureType()) {
            case TIMEOUT -> new ApiException(504, who + " did not answer within " + timeoutMillis / 1000 + " s");
            case NO_HANDLERS -> new ApiException(404, nobody);
            case RECIPIENT_FAILURE -> {
                int code = r.failureCode();
                yield new ApiException(code == 400 || code == 403 || code == 404 || code == 409 ? code : 500,
                        String.valueOf(r.getMessage()));
            }
            default -> new ApiException(502, who + ": " + r.getMessage());
        };
    }
}
