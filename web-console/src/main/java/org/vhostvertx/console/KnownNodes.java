package org.vhostvertx.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nodes this console knows: its own, every node named on vhost.stats or vhost.events, and
 * every node the cluster's registry (vhost.nodes) lists as live; a node the registry says is gone
 * (node-left) is forgotten at once, and one silent for {@link #FORGET_MILLIS} then too; our own
 * never is. Used on the console's event loop only.
 */
final class KnownNodes {

    static final long FORGET_MILLIS = 5 * 60_000;

    private final String self;
    private final Map<String, Long> lastSeen = new TreeMap<>();

    KnownNodes(String self) {
        this.self = self;
        lastSeen.put(self, System.currentTimeMillis());
    }

    String self() {
        return self;
    }

    /** Notes the node a published message names (our own when it names none). */
    String seen(JsonObject message) {
        String node = nodeOf(message);
        lastSeen.put(node, System.currentTimeMillis());
        return node;
    }

    String nodeOf(JsonObject message) {
        Object n = message.getValue("node");
        return n instanceof String s && !s.isEmpty() ? s : self;
    }

    /** Notes a node the cluster's registry (vhost.nodes) lists as live, or that announced itself. */
    void live(String node) {
        lastSeen.put(node, System.currentTimeMillis());
    }

    /** Forgets a node the registry says is gone (node-left, or not live); never our own. */
    void left(String node) {
        if (!node.equals(self)) {
            lastSeen.remove(node);
        }
    }

    /** The node names, forgetting the long silent ones. */
    List<String> names() {
        long now = System.currentTimeMillis();
        lastSeen.entrySet().removeIf(e -> !e.getKey().equals(self) && now - e.getValue() > FORGET_MILLIS);
        return new ArrayList<>(lastSeen.keySet());
    }

    JsonArray toJson() {
        JsonArray a = new JsonArray();
        for (String n : names()) {
            a.add(new JsonObject().put("node", n).put("self", n.equals(self)).put("lastSeen", lastSeen.get(n)));
        }
        return a;
    }
}
