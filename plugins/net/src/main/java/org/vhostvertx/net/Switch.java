package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.virtq.DescriptorChain;


import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An L2 learning bridge across the switch ports of one name in this JVM. Queue pair k of every port
 * is in the queue group "switch/NAME/k" (lane k), so one worker forwards lane k for the whole
 * switch and a frame goes from the sender's buffers straight into the receiver's with one copy, no
 * locks; different lanes run on different workers where there are enough. The MAC table is shared
 * by all lanes.
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

    /** The queue group of lane pair: queue pair number pair of every port. */
    String queueGroup(int pair) {
        return "switch/" + name + "/" + pair;
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

    /**
     * The port whose first receive queue's worker watches the tap, or null. Lane 0 of every port is
     * one queue group, so every port's first pair runs on that one worker, and only that worker
     * reads or writes this field (a port homes the tap from its handler, and gives it up when its
     * queue stops).
     */
    private SwitchPort tapHome;

    /**
     * Called each round by the first receive queue of a guest port, on lane 0's worker: if there is a
     * tap and nobody watches it, port's worker does from now on.
     */
    void homeTap(SwitchPort port) {
        TapPort t = tap;
        if (t == null || tapHome != null) {
            return;
        }
        tapHome = port;
        port.device().watch(0, t.fd(), t::readable, () -> {
            // The queue stopped before the watch was set up: the next port's round tries again.
        });
    }

    /** port's first receive queue stopped (on lane 0's worker, after its watch ended). */
    void tapHomeStopped(SwitchPort port) {
        if (tapHome == port) {
            tapHome = null;
        }
    }

    /** A frame the host sent on the tap (after the virtio-net header of chain); runs on lane 0's worker. */
    void fromTap(TapPort from, DescriptorChain chain, long frame) {
        long now = System.nanoTime();
        long dst = destination(chain);
        long src = source(chain);
        learn(src, from, now);
        Port to = (dst & (1L << 40)) != 0 ? null : lookup(dst, now);
        if (to == from) {
            from.noDestination();
        } else if (to != null) {
            to.receive(chain, frame, 0);
        } else {
            for (Port p : ports) {
                if (p != from) {
                    p.receive(chain, frame, 0);
                }
            }
        }
    }

    /** The destination MAC of the frame after chain's virtio-net header, as a 48-bit number (first byte highest). */
    static long destination(DescriptorChain chain) {
        return Long.reverseBytes(chain.readLong(NetFeatures.HEADER)) >>> 16;
    }

    /** The source MAC of the frame after chain's virtio-net header, as a 48-bit number. */
    static long source(DescriptorChain chain) {
        return Long.reverseBytes(chain.readLong(NetFeatures.HEADER + 4)) & 0xffff_ffff_ffffL;
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
        return t == null ? d : d.put("tap", t.describe());
    }
}
