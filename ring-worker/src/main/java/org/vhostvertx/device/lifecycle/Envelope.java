package org.vhostvertx.device.lifecycle;

import io.vertx.core.json.JsonObject;

/**
 * The stamp of every message on {@link Addresses#EVENTS} and {@link Addresses#STATS}: which node
 * and device it is about, the device's type, and {@code ts}, the epoch milliseconds at which the
 * event happened or the counters were read. The device host and the protocol verticle of a device
 * each hold one, so that both build their messages here and nowhere else.
 *
 * @param node   the node's name (the configuration's "node")
 * @param device the device's id
 * @param type   the device's type ("blk", "scsi", "net", or a plugin's)
 */
public record Envelope(String node, String device, String type) {

    /** An event that happens now. */
    public JsonObject event(String event, JsonObject fields) {
        return event(event, fields, System.currentTimeMillis());
    }

    /**
     * {@code {"event", "node", "device", "type", "ts", ...fields}}: an event that happened at ts
     * (epoch ms), with its own fields.
     */
    public JsonObject event(String event, JsonObject fields, long ts) {
        return new JsonObject().put("event", event).put("node", node).put("device", device).put("type", type)
                .put("ts", ts).mergeIn(fields);
    }

    /** {@code {"node", "device", "type", "ts", ...fields}}: counters read at ts (epoch ms). */
    public JsonObject stats(JsonObject fields, long ts) {
        return new JsonObject().put("node", node).put("device", device).put("type", type).put("ts", ts)
                .mergeIn(fields);
    }
}
