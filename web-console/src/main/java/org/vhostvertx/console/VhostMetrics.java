package org.vhostvertx.console;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The devices' numbers as Micrometer meters, fed from vhost.stats (counters) and from the nodes'
 * device snapshots (state). The counters are the node's own totals, so each meter reads the last
 * value published: {@code vhost_queue_{requests,bytes,kicks,calls,errors}_total} and
 * {@code vhost_queue_in_flight} per queue, {@code vhost_net_drops_total} per reason, and
 * {@code vhost_device_state} (1 for the device's state, 0 for the others). Fed on the console's
 * event loop; read by the scrape.
 */
final class VhostMetrics {

    static final List<String> STATES = List.of("listening", "connecting", "connected", "running", "needs-reset");

    /** The last published numbers of one queue. */
    static final class QueueValues {
        volatile double kicks, calls, requests, bytes, errors, inFlight;
    }

    /** One device's meters and the values they read. */
    private final class DeviceMeters {
        final String type;
        final Tags tags;
        final Map<Integer, QueueValues> queues = new HashMap<>();
        final Map<String, double[]> drops = new HashMap<>();
        volatile String state;
        final List<Meter> meters = new ArrayList<>();

        DeviceMeters(String node, String id, String type) {
            this.type = type;
            this.tags = Tags.of("node", node, "device", id, "type", type);
            for (String s : STATES) {
                meters.add(Gauge.builder("vhost.device.state", this, d -> s.equals(d.state) ? 1 : 0)
                        .description("1 for the state the device is in (listening, connecting, connected, running, needs-reset)")
                        .tags(tags).tag("state", s).strongReference(true).register(registry));
            }
        }

        QueueValues queue(int index) {
            return queues.computeIfAbsent(index, i -> {
                QueueValues q = new QueueValues();
                Tags t = tags.and("queue", Integer.toString(i));
                counter("vhost.queue.requests", "requests served", q, v -> v.requests, t);
                counter("vhost.queue.bytes", "bytes moved to or from the guest", q, v -> v.bytes, t);
                counter("vhost.queue.kicks", "kicks received from the driver", q, v -> v.kicks, t);
                counter("vhost.queue.calls", "calls (interrupts) sent to the driver", q, v -> v.calls, t);
                counter("vhost.queue.errors", "requests or rings that failed", q, v -> v.errors, t);
                meters.add(Gauge.builder("vhost.queue.in.flight", q, v -> v.inFlight)
                        .description("buffers the device holds (popped, not yet returned)")
                        .tags(t).strongReference(true).register(registry));
                return q;
            });
        }

        double[] drop(String reason) {
            return drops.computeIfAbsent(reason, r -> {
                double[] cell = new double[1];
                counter("vhost.net.drops", "frames dropped by a net port, by reason", cell, c -> c[0],
                        tags.and("reason", r));
                return cell;
            });
        }

        private <T> void counter(String name, String help, T holder, java.util.function.ToDoubleFunction<T> f, Tags t) {
            meters.add(FunctionCounter.builder(name, holder, f).description(help).tags(t).register(registry));
        }

        void remove() {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }

    private final MeterRegistry registry;
    private final Map<String, Map<String, DeviceMeters>> byNode = new HashMap<>();

    VhostMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private DeviceMeters device(String node, String id, String type) {
        Map<String, DeviceMeters> devices = byNode.computeIfAbsent(node, n -> new HashMap<>());
        DeviceMeters d = devices.get(id);
        if (d != null && !d.type.equals(type)) {
            d.remove();
            d = null;
        }
        if (d == null) {
            d = new DeviceMeters(node, id, type);
            devices.put(id, d);
        }
        return d;
    }

    /** A vhost.stats message from a node. */
    void stats(String node, JsonObject s) {
        String id = s.getString("device");
        String type = s.getString("type", "");
        if (id == null) {
            return;
        }
        DeviceMeters d = device(node, id, type);
        for (Object o : s.getJsonArray("queues", new JsonArray())) {
            JsonObject q = (JsonObject) o;
            QueueValues v = d.queue(q.getInteger("index", 0));
            v.kicks = number(q, "kicks");
            v.calls = number(q, "calls");
            v.requests = number(q, "requests");
            v.bytes = number(q, "bytes");
            v.errors = number(q, "errors");
            v.inFlight = number(q, "inFlight");
        }
        JsonObject info = s.getJsonObject("info");
        JsonObject drops = info == null ? null : info.getJsonObject("drops");
        if (drops != null) {
            for (String reason : drops.fieldNames()) {
                d.drop(reason)[0] = number(drops, reason);
            }
        }
    }

    /** A node's devices snapshot: sets every device's state and forgets devices the node no longer has. */
    void snapshot(String node, JsonArray devices) {
        Map<String, DeviceMeters> known = byNode.computeIfAbsent(node, n -> new HashMap<>());
        Set<String> present = new java.util.HashSet<>();
        for (Object o : devices) {
            JsonObject dev = (JsonObject) o;
            String id = dev.getString("id");
            present.add(id);
            device(node, id, dev.getString("type", "")).state = dev.getString("state");
        }
        known.entrySet().removeIf(e -> {
            if (present.contains(e.getKey())) {
                return false;
            }
            e.getValue().remove();
            return true;
        });
    }

    /** A device-removed event. */
    void removed(String node, String id) {
        Map<String, DeviceMeters> devices = byNode.get(node);
        DeviceMeters d = devices == null ? null : devices.remove(id);
        if (d != null) {
            d.remove();
        }
    }

    /** Takes every meter of ours out of the registry (it may be Vert.x's, which outlives us). */
    void close() {
        byNode.values().forEach(m -> m.values().forEach(DeviceMeters::remove));
        byNode.clear();
    }

    private static double number(JsonObject o, String field) {
        return o.getValue(field) instanceof Number n ? n.doubleValue() : 0;
    }
}
