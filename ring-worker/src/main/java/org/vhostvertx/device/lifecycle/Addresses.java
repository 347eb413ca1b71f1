package org.vhostvertx.device.lifecycle;

/** Event-bus addresses. The local ones carry Java objects; the cluster-wide ones carry JSON. */
public final class Addresses {

    /** Cluster-wide: lifecycle events of every device, JSON (see the README). */
    public static final String EVENTS = "vhost.events";
    /** Cluster-wide: periodic per-device, per-queue counters, JSON. */
    public static final String STATS = "vhost.stats";
    /**
     * Cluster-wide request/reply, answered by every node: the nodes of the cluster, live or gone,
     * JSON {"action": "nodes"}.
     */
    public static final String NODES = "vhost.nodes";
    /** Name of the codec that passes objects unchanged between verticles of one JVM. */
    public static final String LOCAL_CODEC = "vhost-local";

    private Addresses() {
    }

    /**
     * Cluster-wide request/reply: actions on device id of node, JSON {"action": ..., ...}; the reply
     * is JSON, a failure carries code 400 and the reason.
     */
    public static String control(String node, String id) {
        return "vhost.control." + node + "." + id;
    }

    /**
     * Cluster-wide request/reply: the node's own actions (its devices, adding and removing one, its
     * running configuration, the device types it has), JSON {"action": ..., ...}.
     */
    public static String node(String node) {
        return "vhost.node." + node;
    }

    /** Local: the host of device id consumes {@link DeviceEvent}s here. */
    public static String device(String id) {
        return "vhost.local.device." + id;
    }

    /** Local: the protocol verticle of device id consumes {@link BackendEvent}s here. */
    public static String connection(String id) {
        return "vhost.local.connection." + id;
    }
}
