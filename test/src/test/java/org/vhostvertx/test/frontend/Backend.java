package org.vhostvertx.test.frontend;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.console.ConsoleVerticle;
import org.vhostvertx.dist.Launcher;
import org.vhostvertx.dist.MainVerticle;
import org.vhostvertx.dist.NodeClusterManager;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Our back end started in this JVM, as the launcher would start it, for tests. */
public final class Backend implements AutoCloseable {

    /** The node name of every configuration {@link #config} makes. */
    public static final String NODE = "test-node";

    private final Vertx vertx;
    private final String deployment;
    private final MainVerticle main;

    private Backend(Vertx vertx, String deployment, MainVerticle main) {
        this.vertx = vertx;
        this.deployment = deployment;
        this.main = main;
    }

    /** Starts the node with this configuration on a Vert.x built as the launcher builds it. */
    public static Backend start(JsonObject config) throws Exception {
        return deploy(Launcher.vertxBuilder(config, new VertxOptions().setPreferNativeTransport(true)).build(), config);
    }

    /**
     * Starts the node as the launcher does with {@code -cluster -cluster-host 127.0.0.1}: on a
     * clustered Vert.x with the cluster manager made from config's "cluster" object. Without
     * Vert.x's metrics: this JVM may run another back end, and the launcher's metrics registry is
     * one per JVM (the console then keeps a registry of its own).
     */
    public static Backend startClustered(JsonObject config) throws Exception {
        NodeClusterManager cluster = new NodeClusterManager(config);
        cluster.clusterHost("127.0.0.1");
        Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)
                        .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
                .withClusterManager(cluster).buildClustered()
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return deploy(vertx, config);
    }

    private static Backend deploy(Vertx vertx, JsonObject config) throws Exception {
        try {
            MainVerticle main = new MainVerticle();
            String id = vertx.deployVerticle(main, new DeploymentOptions().setConfig(config))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return new Backend(vertx, id, main);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /**
     * A configuration with these devices on node {@link #NODE}, and defaults for the rest; the web
     * console is off (a test that wants it sets "console").
     */
    public static JsonObject config(JsonObject... devices) {
        JsonArray a = new JsonArray();
        for (JsonObject d : devices) {
            a.add(d);
        }
        return new JsonObject().put("node", NODE).put("workers", 2).put("pollMicros", 20).put("statsMillis", 0)
                .put("console", new JsonObject().put("enabled", false)).put("devices", a);
    }

    /** The node's web console, or null when it is off or could not start. */
    public ConsoleVerticle console() {
        return main.console();
    }

    /** The control address of device id on a back end started with {@link #config}. */
    public static String controlAddress(String id) {
        return Addresses.control(NODE, id);
    }

    /** The node address of a back end started with {@link #config}. */
    public static String nodeAddress() {
        return Addresses.node(NODE);
    }

    public Vertx vertx() {
        return vertx;
    }

    /**
     * Sends body to address and waits up to 20 s for the reply's JSON; a refusal throws the
     * {@link ReplyException} with its code and reason.
     */
    public JsonObject request(String address, JsonObject body) throws Exception {
        try {
            return vertx.eventBus().<JsonObject>request(address, body).toCompletionStage().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS).body();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ReplyException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Collects from now on what is published on address (vhost.events, vhost.stats). */
    public List<JsonObject> published(String address) throws Exception {
        List<JsonObject> got = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> c = vertx.eventBus().consumer(address, m -> got.add(m.body()));
        c.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return got;
    }

    /** Waits up to 20 s for the first message of published that passes test, and returns it. */
    public static JsonObject awaitOne(List<JsonObject> published, Predicate<JsonObject> test, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            for (JsonObject o : published) {
                if (test.test(o)) {
                    return o;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 20 s; got " + published);
            }
            Thread.sleep(10);
        }
    }

    /** An action on device id ({@link #controlAddress}). */
    public JsonObject control(String id, JsonObject body) throws Exception {
        return request(controlAddress(id), body);
    }

    /** An action on the node ({@link #nodeAddress}). */
    public JsonObject node(JsonObject body) throws Exception {
        return request(nodeAddress(), body);
    }

    @Override
    public void close() throws Exception {
        try {
            vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
