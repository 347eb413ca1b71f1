package org.vhostvertx.dist;

import io.vertx.core.Completable;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Vert.x's Hazelcast cluster manager with the Hazelcast configuration made from the node's
 * configuration ({@link ClusterSettings}) when it joins, that is only with {@code -cluster}; without
 * it Vert.x never calls {@link #join} and nothing of Hazelcast starts. A refused "cluster" object
 * fails the join, and with it the start, naming the field.
 */
public final class NodeClusterManager extends HazelcastClusterManager {

    private final JsonObject config;
    private volatile String clusterHost;

    /** config: the configuration the node is started with (null or empty: the embedded default's, no "cluster"). */
    public NodeClusterManager(JsonObject config) {
        this.config = config;
    }

    /** The launcher's -cluster-host (null when not given): the one interface Hazelcast then uses. */
    public void clusterHost(String host) {
        this.clusterHost = host;
    }

    @Override
    public void join(Completable<Void> promise) {
        try {
            setConfig(ClusterSettings.parse(config).hazelcastConfig(clusterHost));
        } catch (ConfigException e) {
            promise.fail(new ConfigException("configuration refused: " + e.getMessage()));
            return;
        }
        super.join(promise);
    }
}
