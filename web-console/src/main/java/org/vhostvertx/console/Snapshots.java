package org.vhostvertx.console;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks every known node for its {@code devices} snapshot, all at once, and merges the answers:
 * each device marked with its node, and the nodes that did not answer listed with the reason.
 */
final class Snapshots {

    /**
     * The merged view: devices of the nodes that answered (also by node, an answer with no devices
     * included), and why the others did not.
     */
    record Merged(JsonArray devices, Map<String, JsonArray> byNode, JsonArray unreachable) {
        JsonObject toJson() {
            return new JsonObject().put("devices", devices).put("unreachable", unreachable);
        }
    }

    private final NodeClient client;
    private final KnownNodes nodes;

    Snapshots(NodeClient client, KnownNodes nodes) {
        this.client = client;
        this.nodes = nodes;
    }

    /** One node's devices, each marked with the node. */
    Future<JsonArray> devices(String node) {
        return client.node(node, new JsonObject().put("action", "devices")).map(reply -> {
            JsonArray out = new JsonArray();
            for (Object o : reply.getJsonArray("devices", new JsonArray())) {
                out.add(((JsonObject) o).copy().put("node", node));
            }
            return out;
        });
    }

    /** One device of one node, or a 404. */
    Future<JsonObject> device(String node, String id) {
        return devices(node).compose(list -> {
            for (Object o : list) {
                if (id.equals(((JsonObject) o).getString("id"))) {
                    return Future.succeededFuture((JsonObject) o);
                }
            }
            return Future.failedFuture(new ApiException(404, "no device " + id + " on node " + node));
        });
    }

    /** Every known node's devices; never fails (a node that fails is listed in unreachable). */
    Future<Merged> all() {
        List<String> names = nodes.names();
        List<Future<JsonArray>> asked = new ArrayList<>();
        for (String n : names) {
            asked.add(devices(n));
        }
        return Future.join(asked).transform(done -> {
            JsonArray devices = new JsonArray();
            Map<String, JsonArray> byNode = new LinkedHashMap<>();
            JsonArray unreachable = new JsonArray();
            for (int i = 0; i < names.size(); i++) {
                Future<JsonArray> f = asked.get(i);
                if (f.succeeded()) {
                    devices.addAll(f.result());
                    byNode.put(names.get(i), f.result());
                } else {
                    int status = f.cause() instanceof ApiException a ? a.status() : 500;
                    unreachable.add(new JsonObject().put("node", names.get(i)).put("status", status)
                            .put("error", String.valueOf(f.cause().getMessage())));
                }
            }
            return Future.succeededFuture(new Merged(devices, byNode, unreachable));
        });
    }
}
