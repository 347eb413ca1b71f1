package org.vhostvertx.protocol;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.lifecycle.DeviceEvent;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.virtq.VringAddresses;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The device's rings as the front end describes them (SET_VRING_NUM, SET_VRING_ADDR,
 * SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR,
 * SET_VRING_ENABLE). A ring starts on the device once it has a size, addresses and a kick and is
 * enabled, and the features and the guest memory are there; it takes the negotiated features, the
 * current memory and its inflight region with it. It stops on GET_VRING_BASE, on SET_VRING_ENABLE
 * 0, on reset and on disconnect.
 */
final class Rings {

    private final DeviceSpec spec;
    private final RingSlot[] slots;
    private final DeviceLink link;
    private final LifecycleEvents events;
    private final FeatureNegotiation negotiation;
    private final MemoryTable memory;
    private final InflightTracking inflight;
    private final DeviceStatus status;

    Rings(DeviceSpec spec, DeviceLink link, LifecycleEvents events, FeatureNegotiation negotiation,
          MemoryTable memory, InflightTracking inflight, DeviceStatus status) {
        this.spec = spec;
        this.link = link;
        this.events = events;
        this.negotiation = negotiation;
        this.memory = memory;
        this.inflight = inflight;
        this.status = status;
        this.slots = new RingSlot[spec.queues()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new RingSlot(i);
        }
    }

    private RingSlot ring(int index) {
        if (index < 0 || index >= slots.length) {
            throw ProtocolException.refuse("ring index " + index + " beyond the " + slots.length + " queues");
        }
        return slots[index];
    }

    Future<byte[]> setVringNum(Message m) {
        ByteBuffer b = m.body();
        RingSlot s = ring(b.getInt(0));
        int num = b.getInt(4);
        if (num < 1 || num > spec.maxQueueSize()) {
            throw ProtocolException.refuse("ring " + s.index + " size " + num + " not in 1.." + spec.maxQueueSize());
        }
        if (s.running) {
            throw ProtocolException.refuse("ring " + s.index + " is running; its size cannot change");
        }
        s.size = num;
        return Future.succeededFuture();
    }

    Future<byte[]> setVringAddr(Message m) {
        ByteBuffer b = m.body();
        RingSlot s = ring(b.getInt(0));
        int flags = b.getInt(4);
        if ((flags & VringAddresses.F_LOG) != 0) {
            throw ProtocolException.refuse("ring " + s.index + " asks for dirty logging, which is not supported");
        }
        if (s.running) {
            throw ProtocolException.refuse("ring " + s.index + " is running; its addresses cannot change");
        }
        // Payload order: index, flags, descriptor, used, available, log.
        s.addresses = new VringAddresses(b.getLong(8), b.getLong(24), b.getLong(16), b.getLong(32), flags);
        return Future.succeededFuture();
    }

    Future<byte[]> setVringBase(Message m) {
        ByteBuffer b = m.body();
        RingSlot s = ring(b.getInt(0));
        if (s.running) {
            throw ProtocolException.refuse("ring " + s.index + " is running; its base cannot change");
        }
        s.base = b.getInt(4);
        return Future.succeededFuture();
    }

    Future<byte[]> getVringBase(Message m) {
        RingSlot s = ring(m.body().getInt(0));
        return stop(s).map(v -> {
            // A stopped ring needs a new kick to start again (vhost-user.rst, "Ring states").
            s.kickSet = false;
            s.replaceKick(-1);
            return Payloads.state(s.index, s.base);
        });
    }

    Future<byte[]> setVringKick(Message m) {
        RingSlot[] s = new RingSlot[1];
        int fd = eventFdArgument(m, s);
        RingSlot ring = s[0];
        return stop(ring).compose(v -> {
            ring.replaceKick(fd);
            ring.kickSet = true;
            return startReady();
        }).map(v -> null);
    }

    Future<byte[]> setVringCall(Message m) {
        RingSlot[] s = new RingSlot[1];
        int fd = eventFdArgument(m, s);
        RingSlot ring = s[0];
        int old = ring.callFd;
        ring.callFd = fd;
        if (!ring.running) {
            Linux.close(old);
            return Future.succeededFuture();
        }
        return link.callChanged(ring.index, fd).map(v -> {
            Linux.close(old);
            return null;
        });
    }

    Future<byte[]> setVringErr(Message m) {
        RingSlot[] s = new RingSlot[1];
        int fd = eventFdArgument(m, s);
        Linux.close(s[0].errFd);
        s[0].errFd = fd;
        return Future.succeededFuture();
    }

    Future<byte[]> setVringEnable(Message m) {
        ByteBuffer b = m.body();
        RingSlot s = ring(b.getInt(0));
        int enable = b.getInt(4);
        if (enable != 0 && enable != 1) {
            throw ProtocolException.refuse("SET_VRING_ENABLE with " + enable);
        }
        s.enabled = enable == 1;
        if (s.enabled) {
            return startReady().map(v -> null);
        }
        return stop(s).map(v -> null);
    }

    /** SET_FEATURES without VHOST_USER_F_PROTOCOL_FEATURES: a ring is enabled as soon as it is started. */
    void enableAll() {
        for (RingSlot s : slots) {
            s.enabled = true;
        }
    }

    /** Starts every ring that has all it needs. */
    Future<Void> startReady() {
        if (!negotiation.featuresSet() || memory.current().regionCount() == 0) {
            return Future.succeededFuture();
        }
        Future<Void> chain = Future.succeededFuture();
        for (RingSlot s : slots) {
            if (s.ready()) {
                chain = chain.compose(v -> start(s));
            }
        }
        return chain;
    }

    private Future<Void> start(RingSlot s) {
        s.running = true;
        long features = negotiation.features();
        MemorySegment region = inflight.region(s.index, s.size);
        return link.queueReady(new DeviceEvent.QueueReady(s.index, s.size, s.addresses, s.base, features, s.kickFd,
                s.callFd, s.errFd, memory.current(), region)).map(v -> {
            events.publish("queue-started", new JsonObject().put("queue", s.index).put("size", s.size)
                    .put("packed", (features & Virtqueue.F_RING_PACKED) != 0));
            return (Void) null;
        }).recover(e -> {
            s.running = false;
            status.needsReset();
            return Future.failedFuture(ProtocolException.refuse("ring " + s.index + " cannot start: "
                    + e.getMessage()));
        });
    }

    private Future<Void> stop(RingSlot s) {
        if (!s.running) {
            return Future.succeededFuture();
        }
        return link.queueStopped(s.index).map(base -> {
            s.running = false;
            if (base >= 0) {
                s.base = base;
            }
            events.publish("queue-stopped", new JsonObject().put("queue", s.index));
            return null;
        });
    }

    /** The ring and descriptor of a SET_VRING_KICK/CALL/ERR payload (-1 with the no-descriptor flag). */
    private int eventFdArgument(Message m, RingSlot[] found) {
        long v = m.u64();
        found[0] = ring((int) (v & 0xff));
        boolean noFd = (v & 0x100) != 0;
        if (noFd != (m.fdCount() == 0) || m.fdCount() > 1) {
            throw ProtocolException.refuse(m.name() + (noFd ? " says no descriptor but carried "
                    : " needs one descriptor but carried ") + m.fdCount());
        }
        return noFd ? -1 : m.takeFd(0);
    }

    /** Whether some ring runs on the device (started and not stopped since). */
    boolean anyRunning() {
        for (RingSlot s : slots) {
            if (s.running) {
                return true;
            }
        }
        return false;
    }

    /** The device was reset: every ring forgets what the front end told it. */
    void reset() {
        for (RingSlot s : slots) {
            s.reset();
        }
    }

    /** Closes the rings' eventfds (the device has parked its queues). */
    void close() {
        for (RingSlot s : slots) {
            s.closeFds();
        }
    }
}
