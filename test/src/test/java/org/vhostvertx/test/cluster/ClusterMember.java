package org.vhostvertx.test.cluster;

import com.hazelcast.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.dist.ClusterSettings;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A small clustered Vert.x in the test's JVM, made from the same "cluster" object and shipped
 * Hazelcast configuration as the nodes, on loopback: a Hazelcast lite member (it holds no data,
 * so it cannot be the cluster's first member), and no node, only a client of the event-bus
 * contract, as the web console is.
 */
final class ClusterMember implements AutoCloseable {

    /** The web console's request timeout, which the contract's 5 s bound is. */
    static final long REQUEST_TIMEOUT_MILLIS = 5000;

    private final Vertx vertx;

    private ClusterMember(Vertx vertx) {
        this.vertx = vertx;
    }

    static ClusterMember join(JsonObject cluster) throws Exception {
        Config hazelcast = ClusterSettings.parse(new JsonObject().put("cluster", cluster)).hazelcastConfig("127.0.0.1");
        hazelcast.setLiteMember(true);
        Vertx vertx = Vertx.builder()
                .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
                .withClusterManager(new HazelcastClusterManager(hazelcast))
                .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return new ClusterMember(vertx);
    }

    Vertx vertx() {
        return vertx;
    }

    /** The Vert.x node ids of the cluster's members (this one's included). */
    List<String> members() {
        return ((VertxInternal) vertx).clusterManager().getNodes();
    }

    /** Sends body to address with the console's timeout; a failure throws the {@link ReplyException}. */
    JsonObject request(String address, JsonObject body) throws Exception {
        return request(address, body, REQUEST_TIMEOUT_MILLIS);
    }

    /** As above with another timeout. */
    JsonObject request(String address, JsonObject body, long timeoutMillis) throws Exception {
        try {
            return send(address, body, timeoutMillis).get(timeoutMillis + 10_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReplyException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Sends body to address with the console's timeout, without waiting: the reply's JSON, or the failure. */
    CompletableFuture<JsonObject> send(String address, JsonObject body) {
        return send(address, body, REQUEST_TIMEOUT_MILLIS);
    }

    private CompletableFuture<JsonObject> send(String address, JsonObject body, long timeoutMillis) {
        return vertx.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMillis))
                .map(Message::body).toCompletionStage().toCompletableFuture();
    }

    /**
     * {"action": "nodes"} on vhost.nodes: the registry's entry of each node, by name. Asked with a
     * short timeout, and again for up to 10 s: a node that just died keeps its consumer of
     * vhost.nodes registered until the cluster notices, and a request may land there.
     */
    JsonArray nodes() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return request(Addresses.NODES, new JsonObject().put("action", "nodes"), 500).getJsonArray("nodes");
            } catch (ReplyException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    /** The registry's entry of node, or null when it has none. */
    JsonObject node(String name) throws Exception {
        return nodes().stream().map(JsonObject.class::cast).filter(n -> n.getString("node").equals(name))
                .findFirst().orElse(null);
    }

    /** Collects from now on what is published on address, from every node. */
    List<JsonObject> published(String address) throws Exception {
        List<JsonObject> got = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> c = vertx.eventBus().consumer(address, m -> got.add(m.body()));
        c.completion().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return got;
    }

    /** A cluster-wide consumer at address that counts whatever reaches it. */
    List<Object> decoy(String address) throws Exception {
        List<Object> got = new CopyOnWriteArrayList<>();
        MessageConsumer<Object> c = vertx.eventBus().consumer(address, m -> got.add(m.body()));
        c.completion().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return got;
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
