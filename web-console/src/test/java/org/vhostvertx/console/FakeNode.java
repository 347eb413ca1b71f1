package org.vhostvertx.console;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node as the event-bus contract describes it, in memory: vhost.node.NAME answers devices,
 * add-device, remove-device, config and types; each device answers vhost.control.NAME.ID. What it
 * was asked is recorded, so a test can show that a refused call reached nothing.
 */
final class FakeNode {

    final String name;
    final Vertx vertx;
    final Map<String, JsonObject> devices = new TreeMap<>();
    final Map<String, MessageConsumer<JsonObject>> controls = new TreeMap<>();
    final List<JsonObject> received = new CopyOnWriteArrayList<>();
    final JsonObject config = new JsonObject().put("node", "n1").put("console", new JsonObject().put("token", "secret"));
    private MessageConsumer<JsonObject> consumer;

    FakeNode(Vertx vertx, String name) {
        this.vertx = vertx;
        this.name = name;
    }

    FakeNode start() {
        consumer = vertx.eventBus().consumer("vhost.node." + name, this::node);
        return this;
    }

    void stop() {
        consumer.unregister();
        controls.values().forEach(MessageConsumer::unregister);
    }

    /** Adds a device answering its control address; "silent" devices never answer. */
    FakeNode device(String id, String type, String state) {
        JsonObject d = new JsonObject().put("id", id).put("type", type).put("socket", "/tmp/" + id + ".sock")
                .put("mode", "server").put("state", state).put("features", new JsonArray().add("VERSION_1"))
                .put("protocolFeatures", new JsonArray()).put("memoryRegions", new JsonArray())
                .put("queues", new JsonArray().add(new JsonObject().put("index", 0).put("size", 256)
                        .put("packed", false).put("running", true).put("kicks", 3)))
                .put("info", new JsonObject());
        devices.put(id, d);
        controls.put(id, vertx.eventBus().consumer("vhost.control." + name + "." + id, m -> control(id, m)));
        return this;
    }

    private void control(String id, Message<JsonObject> m) {
        received.add(m.body().copy().put("device", id));
        String action = m.body().getString("action");
        switch (action) {
            case "silent" -> { }
            case "stats" -> m.reply(new JsonObject().put("device", id).put("queues", new JsonArray()));
            case "link-down" -> m.reply(new JsonObject().put("link", "down"));
            case "disconnect" -> m.reply(new JsonObject());
            case "capture-read" -> captureRead(id, m);
            default -> m.fail(400, "devices of this type know no action \"" + action + "\"");
        }
    }

    /** What capture-read hands out for a device, in pieces of at most CAPTURE_PIECE bytes; none: refused. */
    final Map<String, byte[]> captures = new TreeMap<>();
    static final int CAPTURE_PIECE = 1000;

    private void captureRead(String id, Message<JsonObject> m) {
        byte[] file = captures.get(id);
        if (file == null) {
            m.fail(400, "no capture was made on this device");
            return;
        }
        int offset = m.body().getInteger("offset", 0);
        int n = Math.max(0, Math.min(CAPTURE_PIECE, file.length - offset));
        m.reply(new JsonObject().put("file", "/var/cap/" + id + "-1.pcap").put("size", file.length).put("offset", offset)
                .put("running", false).put("data", java.util.Base64.getEncoder().encodeToString(
                        java.util.Arrays.copyOfRange(file, offset, offset + n))));
    }

    private void node(Message<JsonObject> m) {
        received.add(m.body().copy());
        JsonObject body = m.body();
        switch (body.getString("action")) {
            case "devices" -> m.reply(new JsonObject().put("node", name).put("ts", System.currentTimeMillis())
                    .put("devices", new JsonArray(new ArrayList<>(devices.values()))));
            case "add-device" -> {
                JsonObject d = body.getJsonObject("device");
                String id = d.getString("id");
                if (id == null) {
                    m.fail(400, "device.id is required");
                } else if (!"blk".equals(d.getString("type"))) {
                    m.fail(400, "device.type: no plugin for \"" + d.getString("type") + "\"");
                } else if (devices.containsKey(id)) {
                    m.fail(409, "a device " + id + " exists");
                } else {
                    device(id, "blk", "listening");
                    m.reply(new JsonObject().put("id", id));
                }
            }
            case "remove-device" -> {
                String id = body.getString("id");
                if (devices.remove(id) == null) {
                    m.fail(404, "no device " + id);
                } else {
                    controls.remove(id).unregister();
                    m.reply(new JsonObject().put("id", id));
                }
            }
            case "config" -> m.reply(config.copy());
            case "types" -> m.reply(new JsonObject().put("types", new JsonArray()
                    .add(new JsonObject().put("type", "blk").put("fields", new JsonArray().add("image").add("ram").add("size")))));
            default -> m.fail(400, "unknown action");
        }
    }

    /** Publishes one vhost.stats message for a device, with one queue of these counters. */
    void publishStats(String id, String type, long requests, long bytes, JsonObject info) {
        vertx.eventBus().publish("vhost.stats", new JsonObject().put("node", name).put("ts", System.currentTimeMillis())
                .put("device", id).put("type", type).put("info", info)
                .put("queues", new JsonArray().add(new JsonObject().put("index", 0).put("running", true)
                        .put("worker", "ring-worker-0").put("kicks", 7).put("calls", 5).put("requests", requests)
                        .put("bytes", bytes).put("errors", 1).put("inFlight", 2))));
    }

    int nodeRequests(String action) {
        return (int) received.stream().filter(r -> action.equals(r.getString("action"))).count();
    }
}
