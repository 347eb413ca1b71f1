package org.vhostvertx.dist;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.vhostvertx.device.lifecycle.Addresses;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * The cluster's node names: a cluster-wide map {@value #MAP} from each node's name to its entry
 * {@code {"node", "id" (its Vert.x cluster node id), "address" (its Hazelcast member, host:port),
 * "since", "goneSince", "reason"}}. A node claims its name before it starts its devices, and is
 * refused when a live node holds it (a holder that is no longer a member, or that stopped, is
 * replaced). A node is live while its entry is not marked gone and its id is a member of the
 * cluster. The registry answers {@code {"action": "nodes"}} on {@link Addresses#NODES}; with
 * {@code -cluster} it publishes {@code node-joined} (the node answers on {@code vhost.node.<node>})
 * and {@code node-left} on {@code vhost.events}: a node that stops says so itself ({@code "reason":
 * "stopped"}); for one that is lost, every survivor tries to mark its entry gone when Hazelcast
 * removes its member, and the one whose compare-and-set wins publishes ({@code "reason": "lost"}).
 * Without a cluster the map is this Vert.x instance's own and no node event is published.
 */
final class NodeRegistry {

    /** The cluster-wide map of node names (a Hazelcast map of that name, configured in cluster.xml). */
    static final String MAP = "vhost.nodes";

    private static final Logger LOG = Logger.getLogger(NodeRegistry.class.getName());

    private final Vertx vertx;
    private final Context context;
    private final String node;
    private final ClusterManager cluster;
    private final HazelcastInstance hazelcast;
    private final String id;
    private final String address;
    private final AsyncMap<String, String> map;
    private String mine;
    private MessageConsumer<JsonObject> consumer;
    private UUID membershipListener;
    private UUID lifecycleListener;
    private boolean joined;
    private boolean closed;

    private NodeRegistry(Vertx vertx, String node, AsyncMap<String, String> map) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.node = node;
        this.map = map;
        this.cluster = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
        this.hazelcast = cluster instanceof HazelcastClusterManager h ? h.getHazelcastInstance() : null;
        this.id = cluster != null ? cluster.getNodeId() : UUID.randomUUID().toString();
        if (hazelcast != null) {
            Address a = hazelcast.getCluster().getLocalMember().getAddress();
            this.address = a.getHost() + ":" + a.getPort();
        } else if (cluster != null && cluster.getNodeInfo() != null) {
            this.address = cluster.getNodeInfo().host() + ":" + cluster.getNodeInfo().port();
        } else {
            this.address = null;
        }
        this.mine = new JsonObject().put("node", node).put("id", id).put("address", address)
                .put("since", System.currentTimeMillis()).encode();
    }

    /**
     * Claims node's name, on the caller's context; fails with a {@link NodeNameTaken} naming both
     * when a live node has it.
     */
    static Future<NodeRegistry> claim(Vertx vertx, String node) {
        return vertx.sharedData().<String, String>getAsyncMap(MAP).compose(map -> {
            NodeRegistry registry = new NodeRegistry(vertx, node, map);
            return registry.claim(0).map(v -> {
                registry.listen();
                return registry;
            });
        });
    }

    /** The node's name is refused: another live node of the cluster has it. An answer, not a fault: no stack trace. */
    static final class NodeNameTaken extends RuntimeException {
        NodeNameTaken(String message) {
            super(message, null, false, false);
        }
    }

    private Future<Void> claim(int attempt) {
        return map.putIfAbsent(node, mine).compose(previous -> {
            if (previous == null) {
                return Future.succeededFuture();
            }
            JsonObject holder = new JsonObject(previous);
            if (live(holder, members())) {
                return Future.failedFuture(new NodeNameTaken("node \"" + node + "\"" + at(address)
                        + " is refused because \"" + node + "\" already runs" + (holder.getString("address") == null
                        ? " in this Vert.x instance" : at(holder.getString("address")))));
            }
            // Its holder stopped or is gone: the name is free, unless someone else takes it first.
            return map.replaceIfPresent(node, previous, mine).compose(replaced -> replaced
                    ? Future.succeededFuture()
                    : attempt < 10 ? claim(attempt + 1)
                    : Future.failedFuture(new IllegalStateException("node \"" + node + "\": its entry in "
                    + MAP + " keeps changing")));
        });
    }

    private static String at(String address) {
        return address == null ? "" : " at " + address;
    }

    private Set<String> members() {
        return cluster == null ? Set.of(id) : new HashSet<>(cluster.getNodes());
    }

    private static boolean live(JsonObject entry, Set<String> members) {
        return entry.getValue("goneSince") == null && members.contains(entry.getString("id"));
    }

    /** Follows Hazelcast's membership: a removed member's nodes are marked gone; after a merge, ours is claimed again. */
    private void listen() {
        if (hazelcast == null) {
            return;
        }
        membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                context.runOnContext(v -> markLost());
            }
        });
        lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                context.runOnContext(v -> claimAgain());
            }
        });
    }

    /**
     * The node answers on its address: answer {@link Addresses#NODES} too, and tell the cluster.
     */
    Future<Void> joined() {
        consumer = vertx.eventBus().consumer(Addresses.NODES, this::onRequest);
        return consumer.completion().onSuccess(v -> {
            joined = true;
            publish("node-joined", new JsonObject(mine), null);
        });
    }

    /** Marks every entry whose member is gone, each by whichever survivor's compare-and-set wins. */
    private void markLost() {
        if (closed) {
            return;
        }
        Set<String> members = members();
        map.entries().onSuccess(entries -> entries.forEach((name, raw) -> {
            JsonObject entry = new JsonObject(raw);
            if (entry.getValue("goneSince") == null && !members.contains(entry.getString("id"))) {
                JsonObject gone = entry.copy().put("goneSince", System.currentTimeMillis()).put("reason", "lost");
                map.replaceIfPresent(name, raw, gone.encode()).onSuccess(won -> {
                    if (won) {
                        LOG.warning("node " + name + at(entry.getString("address")) + " is gone (its member left the cluster)");
                        publish("node-left", gone, "lost");
                    }
                });
            }
        })).onFailure(e -> LOG.warning("the node registry could not be read after a member left: " + e));
    }

    /** After a split cluster merged: our entry may have been marked gone, or lost, meanwhile. */
    private void claimAgain() {
        if (closed) {
            return;
        }
        map.get(node).onSuccess(raw -> {
            if (mine.equals(raw)) {
                return;
            }
            map.put(node, mine).onSuccess(v -> {
                if (joined) {
                    publish("node-joined", new JsonObject(mine), null);
                }
            });
        });
    }

    private void publish(String event, JsonObject entry, String reason) {
        if (cluster == null) {
            return;
        }
        JsonObject e = new JsonObject().put("event", event).put("node", entry.getString("node"))
                .put("ts", System.currentTimeMillis()).put("address", entry.getString("address"));
        if (reason != null) {
            e.put("reason", reason);
        }
        vertx.eventBus().publish(Addresses.EVENTS, e);
    }

    private void onRequest(Message<JsonObject> message) {
        JsonObject body = message.body() == null ? new JsonObject() : message.body();
        Object action = body.getValue("action");
        if (!"nodes".equals(action)) {
            message.fail(400, Addresses.NODES + " has no action " + (action == null
                    ? "(a request needs \"action\")" : "\"" + action + "\"") + "; known: nodes");
            return;
        }
        map.entries().onComplete(ar -> {
            if (ar.failed()) {
                message.fail(500, "the node registry could not be read: " + ar.cause().getMessage());
                return;
            }
            message.reply(new JsonObject().put("ts", System.currentTimeMillis()).put("nodes", list(ar.result())));
        });
    }

    /** The nodes, by name: {"node", "address", "live", "since", "goneSince", "reason"}. */
    private JsonArray list(Map<String, String> entries) {
        Set<String> members = members();
        JsonArray nodes = new JsonArray();
        new TreeMap<>(entries).forEach((name, raw) -> {
            JsonObject e = new JsonObject(raw);
            boolean live = live(e, members);
            nodes.add(new JsonObject().put("node", name).put("address", e.getString("address")).put("live", live)
                    .put("since", e.getLong("since")).put("goneSince", e.getLong("goneSince"))
                    .put("reason", live ? null : e.getString("reason", "lost")));
        });
        return nodes;
    }

    /**
     * The node stops: its entry is marked gone ("stopped") and, once it had joined, node-left
     * published; before that (a start that failed) the entry is removed, as if never claimed.
     */
    Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        if (hazelcast != null) {
            hazelcast.getCluster().removeMembershipListener(membershipListener);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
        }
        Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
        Future<?> entry;
        if (joined) {
            JsonObject gone = new JsonObject(mine).put("goneSince", System.currentTimeMillis()).put("reason", "stopped");
            entry = map.replaceIfPresent(node, mine, gone.encode()).onSuccess(won -> {
                if (won) {
                    publish("node-left", gone, "stopped");
                }
            });
        } else {
            entry = map.removeIfPresent(node, mine);
        }
        return Future.join(unregistered, entry).<Void>mapEmpty().recover(e -> {
            LOG.warning("node " + node + ": the node registry could not be updated at stop: " + e);
            return Future.succeededFuture();
        });
    }
}
