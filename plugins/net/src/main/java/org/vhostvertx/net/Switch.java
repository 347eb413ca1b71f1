package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An L2 learning bridge across the switch ports of one name in this JVM. Every queue of every port
 * of a switch is in the queue group "switch/NAME", so one worker forwards for the whole switch and
 * a frame goes from the sender's buffers straight into the receiver's with one copy, no locks.
 */
final class Switch {

    /** How long a learned address is trusted without seeing it again. */
    static final long AGING_NANOS = 300_000_000_000L;

    private static final Map<String, Switch> SWITCHES = new ConcurrentHashMap<>();

    private final String name;
    private final List<SwitchPort> ports = new CopyOnWriteArrayList<>();
    private final Map<Long, Learned> table = new ConcurrentHashMap<>();

    private record Learned(SwitchPort port, long seenNanos) {
    }

    private Switch(String name) {
        this.name = name;
    }

    static Switch named(String name) {
        return SWITCHES.computeIfAbsent(name, Switch::new);
    }

    String name() {
        return name;
    }

    String queueGroup() {
        return "switch/" + name;
    }

    void add(SwitchPort port) {
        ports.add(port);
    }

    void remove(SwitchPort port) {
        ports.remove(port);
        table.values().removeIf(l -> l.port() == port);
    }

    List<SwitchPort> ports() {
        return ports;
    }

    /** The frame from mac came in on port. */
    void learn(long mac, SwitchPort port, long now) {
        Learned l = table.get(mac);
        if (l == null || l.port() != port || now - l.seenNanos() > AGING_NANOS / 2) {
            table.put(mac, new Learned(port, now));
        }
    }

    /** The port behind mac, or null if unknown or aged out. */
    SwitchPort lookup(long mac, long now) {
        Learned l = table.get(mac);
        return l == null || now - l.seenNanos() > AGING_NANOS ? null : l.port();
    }

    JsonObject describe() {
        return new JsonObject().put("switch", name).put("ports", ports.size()).put("learned", table.size());
    }
}
