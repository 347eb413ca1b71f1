package org.vhostvertx.console;

import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code devices} health procedure: up when every device of every known node is listening,
 * connecting (a client waiting for its front end), connected or running; down, with each
 * offending device, its node, state and the reason of its last needs-reset event, when any device
 * needs a reset or a node does not answer.
 */
final class DeviceHealth {

    private final Snapshots snapshots;
    private final VhostMetrics metrics;
    /** The reason of each device's last needs-reset or queue-failed event, by node and id. */
    private final Map<String, String> reasons = new HashMap<>();

    DeviceHealth(Snapshots snapshots, VhostMetrics metrics) {
        this.snapshots = snapshots;
        this.metrics = metrics;
    }

    /** Remembers why a device failed, from vhost.events. */
    void event(String node, JsonObject e) {
        String event = e.getString("event", "");
        String key = node + "/" + e.getString("device");
        switch (event) {
            case "needs-reset", "queue-failed" -> reasons.put(key, "queue " + e.getValue("queue") + ": " + e.getString("reason"));
            case "reset", "disconnected", "device-removed" -> reasons.remove(key);
            default -> {
            }
        }
    }

    void check(Promise<Status> result) {
        snapshots.all().onSuccess(merged -> {
            JsonArray problems = new JsonArray();
            for (Object o : merged.devices()) {
                JsonObject d = (JsonObject) o;
                String state = d.getString("state");
                if (!healthy(state)) {
                    JsonObject p = new JsonObject().put("node", d.getString("node")).put("device", d.getString("id"))
                            .put("state", state);
                    String reason = reasons.get(d.getString("node") + "/" + d.getString("id"));
                    if (reason != null) {
                        p.put("reason", reason);
                    }
                    problems.add(p);
                }
            }
            merged.byNode().forEach(metrics::snapshot);
            for (Object o : merged.unreachable()) {
                JsonObject u = (JsonObject) o;
                problems.add(new JsonObject().put("node", u.getString("node")).put("state", "unreachable")
                        .put("reason", u.getString("error")));
            }
            JsonObject data = new JsonObject().put("devices", merged.devices().size());
            if (problems.isEmpty()) {
                result.complete(Status.OK(data));
            } else {
                result.complete(Status.KO(data.put("problems", problems)));
            }
        });
    }

    static boolean healthy(String state) {
        return "listening".equals(state) || "connecting".equals(state) || "connected".equals(state)
                || "running".equals(state);
    }
}
