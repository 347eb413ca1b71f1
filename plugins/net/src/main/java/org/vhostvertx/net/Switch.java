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
    private final List<Port> ports = new CopyOnWriteArrayList<>();
    private final Map<Long, Learned> table = new ConcurrentHashMap<>();
    private volatile TapPort tap;

    private record Learned(Port port, long seenNanos) {
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

    void add(Port port) {
        ports.add(port);
    }

    void remove(Port port) {
        ports.remove(port);
        table.values().removeIf(l -> l.port() == port);
    }

    List<Port> ports() {
        return ports;
    }

    /** Makes tap this switch's host port (the configuration's "switches": [{"name", "tap"}]). */
    void attachTap(Tap t) {
        detachTap();
        TapPort p = new TapPort(t, this);
        tap = p;
        add(p);
    }

    void detachTap() {
        TapPort p = tap;
        if (p != null) {
            tap = null;
            remove(p);
            p.close();
        }
    }

    /** Runs task on the switch's worker; false when no guest port runs (so there is no worker). */
    boolean runOnWorker(Runnable task) {
        for (Port p : ports) {
            if (p instanceof SwitchPort sp && sp.attached()) {
                sp.device().runOnWorker(task);
                return true;
            }
        }
        return false;
    }

    /** A frame the host sent on the tap; runs on the switch's worker. */
    void fromTap(TapPort from, java.lang.foreign.MemorySegment frame, long length) {
        long now = System.nanoTime();
        long dst = 0;
        long src = 0;
        for (int i = 0; i < 6; i++) {
            dst = (dst << 8) | (frame.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 0xff);
            src = (src << 8) | (frame.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 6 + i) & 0xff);
        }
        learn(src, from, now);
        Port to = (dst & (1L << 40)) != 0 ? null : lookup(dst, now);
        if (to != null && to != from) {
            to.receiveOwn(frame, length);
        } else if (to == null) {
            for (Port p : ports) {
                if (p != from) {
                    p.receiveOwn(frame, length);
                }
            }
        }
    }

    /** The frame from mac came in on port. */
    void learn(long mac, Port port, long now) {
        Learned l = table.get(mac);
        if (l == null || l.port() != port || now - l.seenNanos() > AGING_NANOS / 2) {
            table.put(mac, new Learned(port, now));
        }
    }

    /** The port behind mac, or null if unknown or aged out. */
    Port lookup(long mac, long now) {
        Learned l = table.get(mac);
        return l == null || now - l.seenNanos() > AGING_NANOS ? null : l.port();
    }

    JsonObject describe() {
        JsonObject d = new JsonObject().put("switch", name).put("ports", ports.size()).put("learned", table.size());
        TapPort t = tap;
        return t == null ? d : d.put("tapDrops", t.drops().toJson());
    }
}
