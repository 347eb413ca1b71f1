package org.vhostvertx.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.device.lifecycle.DeviceEvent;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.virtq.VringAddresses;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One front end on one device's socket: decodes and validates its requests, one at a time, keeps
 * the control-side state (features, memory, rings) and turns it into lifecycle events for the
 * device host. Runs on the owning verticle's event loop only.
 */
final class FrontEndConnection {

    private static final Logger LOG = Logger.getLogger(FrontEndConnection.class.getName());
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setCodecName(Addresses.LOCAL_CODEC)
            .setSendTimeout(30_000);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    /** Transport features every device gets. */
    static final long TRANSPORT_FEATURES = (1L << 32) /* VERSION_1 */ | Virtqueue.F_RING_PACKED
            | Virtqueue.F_EVENT_IDX | Virtqueue.F_INDIRECT_DESC | ProtocolFeatures.F_PROTOCOL_FEATURES;
    static final int MAX_MEM_SLOTS = 509;
    static final int MAX_CONFIG_SIZE = 256;
    /** virtio status: DEVICE_NEEDS_RESET. */
    static final int STATUS_NEEDS_RESET = 0x40;
    /** VHOST_USER_BACKEND_CONFIG_CHANGE_MSG. */
    static final int BACKEND_CONFIG_CHANGE = 2;

    private final Vertx vertx;
    private final Context context;
    private final String deviceId;
    private final String deviceType;
    private final UnixSocket socket;
    private final Runnable onClosed;
    private final MessageReader reader = new MessageReader();
    private final ArrayDeque<Message> pending = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out = arena.allocate(Message.HEADER_SIZE + MessageReader.MAX_PAYLOAD, 8);

    private EventLoopFd watch;
    private DeviceSpec spec;
    private RingSlot[] rings = new RingSlot[0];
    private long features;
    private boolean featuresSet;
    private long protocolFeatures;
    private GuestMemory memory = GuestMemory.EMPTY;
    /**
     * Extra ADD_MEM_REGs of a region we have, by region. QEMU 7.2 runs a multi-queue net device as
     * one vhost device per queue pair on the same connection, and each adds the guest's regions.
     */
    private final Map<MemoryRegion, Integer> repeatedRegions = new HashMap<>();
    private int status;
    private boolean needsReset;
    private UnixSocket backend;
    private InflightBuffer inflight;
    private boolean busy;
    private boolean closing;

    FrontEndConnection(Vertx vertx, Context context, String deviceId, String deviceType, UnixSocket socket,
                       Runnable onClosed) {
        this.vertx = vertx;
        this.context = context;
        this.deviceId = deviceId;
        this.deviceType = deviceType;
        this.socket = socket;
        this.onClosed = onClosed;
    }

    /** Asks the device what it offers, then starts reading requests. */
    Future<Void> start() {
        return device(new DeviceEvent.Connected()).compose(s -> {
            spec = (DeviceSpec) s;
            rings = new RingSlot[spec.queues()];
            for (int i = 0; i < rings.length; i++) {
                rings[i] = new RingSlot(i);
            }
            return EventLoopFd.watch(context, socket.fd(), this::onSocket);
        }).map(w -> {
            watch = w;
            publish("connected", new JsonObject());
            // Bytes may have arrived before we watched.
            onSocket(Linux.EPOLLIN);
            return null;
        });
    }

    // ---- input -----------------------------------------------------------------------------

    private void onSocket(int ops) {
        if (closing) {
            return;
        }
        try {
            Message m;
            while ((m = reader.read(socket)) != null) {
                pending.add(m);
            }
        } catch (EOFException e) {
            close("front end closed the connection");
            return;
        } catch (ProtocolException | LinuxException e) {
            LOG.warning("device " + deviceId + ": " + e.getMessage() + "; closing the connection");
            close(e.getMessage());
            return;
        }
        processNext();
        if ((ops & (Linux.EPOLLHUP | 0x2000 /* EPOLLRDHUP */)) != 0 && pending.isEmpty() && !busy) {
            close("front end hung up");
        }
    }

    private void processNext() {
        while (!busy && !closing && !pending.isEmpty()) {
            Message m = pending.poll();
            busy = true;
            Future<byte[]> result;
            try {
                result = handle(m);
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            result.onComplete(ar -> {
                m.closeUntakenFds();
                if (ar.succeeded()) {
                    finish(m, ar.result(), null);
                } else {
                    finish(m, null, ar.cause());
                }
                busy = false;
                processNext();
            });
        }
    }

    private void finish(Message m, byte[] reply, Throwable failure) {
        if (closing) {
            return;
        }
        boolean ownReply = m.request() != null && m.request().ownsReply();
        if (failure != null) {
            boolean fatal = failure instanceof ProtocolException p && p.fatal();
            LOG.warning("device " + deviceId + ": " + m.name() + " refused: " + failure.getMessage());
            publish("request-refused", new JsonObject().put("request", m.name()).put("reason", failure.getMessage()));
            if (fatal || ownReply) {
                close(m.name() + " refused: " + failure.getMessage());
                return;
            }
            if (replyAck(m)) {
                send(m.code, u64(1));
            }
            return;
        }
        if (ownReply) {
            send(m.code, reply);
        } else if (replyAck(m)) {
            send(m.code, u64(0));
        }
    }

    private boolean replyAck(Message m) {
        return m.needReply() && (protocolFeatures & ProtocolFeatures.REPLY_ACK) != 0;
    }

    /** A descriptor to attach to the next reply (GET_INFLIGHT_FD); we keep our own copy. */
    private int pendingReplyFd = -1;

    private void send(int code, byte[] payload) {
        out.set(U32, 0, code);
        out.set(U32, 4, Message.VERSION | Message.FLAG_REPLY);
        out.set(U32, 8, payload.length);
        MemorySegment.copy(payload, 0, out, ValueLayout.JAVA_BYTE, Message.HEADER_SIZE, payload.length);
        long n = Message.HEADER_SIZE + payload.length;
        int fd = pendingReplyFd;
        pendingReplyFd = -1;
        long rc = fd >= 0 ? socket.send(out, n, new int[]{fd}, 1) : socket.send(out, n, null, 0);
        if (rc != n) {
            close("reply could not be sent: " + (rc < 0 ? Linux.strerror((int) -rc) : "short write"));
        }
    }

    // ---- requests --------------------------------------------------------------------------

    /** Applies the request table (see {@link Request}), then hands the request to its handler. */
    private Future<byte[]> handle(Message m) {
        Request r = m.request();
        if (r == null) {
            throw ProtocolException.refuse("unknown request code " + m.code);
        }
        if (!negotiated(r.needs())) {
            throw ProtocolException.refuse("its feature " + r.needs() + " was not negotiated");
        }
        checkShape(m, r);
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("device " + deviceId + ": " + r + " " + java.util.HexFormat.of().formatHex(m.payload)
                    + " fds " + m.fdCount());
        }
        return switch (r) {
            case GET_FEATURES -> done(u64(offeredFeatures()));
            case SET_FEATURES -> setFeatures(m.u64());
            case SET_OWNER -> done(null);
            case RESET_OWNER, RESET_DEVICE -> reset().map(v -> null);
            case GET_PROTOCOL_FEATURES -> done(u64(offeredProtocolFeatures()));
            case SET_PROTOCOL_FEATURES -> setProtocolFeatures(m.u64());
            case GET_QUEUE_NUM -> done(u64(spec.queues()));
            case GET_MAX_MEM_SLOTS -> done(u64(MAX_MEM_SLOTS));
            case SET_MEM_TABLE -> setMemTable(m);
            case ADD_MEM_REG -> addMemReg(m);
            case REM_MEM_REG -> remMemReg(m);
            case SET_VRING_NUM -> setVringNum(m);
            case SET_VRING_ADDR -> setVringAddr(m);
            case SET_VRING_BASE -> setVringBase(m);
            case GET_VRING_BASE -> getVringBase(m);
            case SET_VRING_KICK -> setVringKick(m);
            case SET_VRING_CALL -> setVringCall(m);
            case SET_VRING_ERR -> setVringErr(m);
            case SET_VRING_ENABLE -> setVringEnable(m);
            case SET_BACKEND_REQ_FD -> setBackendReqFd(m);
            case GET_CONFIG -> getConfig(m);
            case SET_CONFIG -> setConfig(m);
            case SET_STATUS -> {
                status = (int) m.u64();
                yield done(null);
            }
            case GET_STATUS -> done(u64(status | (needsReset ? STATUS_NEEDS_RESET : 0)));
            case GET_INFLIGHT_FD -> getInflightFd(m);
            case SEND_RARP -> deviceRequest("send-rarp",
                    // The MAC sits in the first six payload bytes, in wire order.
                    new JsonObject().put("mac", java.util.HexFormat.of().formatHex(m.payload, 0, 6)));
            case NET_SET_MTU -> deviceRequest("set-mtu", new JsonObject().put("mtu", m.u64()));
            case SET_INFLIGHT_FD -> setInflightFd(m);
            default -> throw ProtocolException.refuse(r + " is not supported");
        };
    }

    /**
     * Whether the front end negotiated f: a protocol feature once SET_PROTOCOL_FEATURES took it; a
     * virtio feature once SET_FEATURES took it, or before SET_FEATURES if we offer it (see
     * {@link Request}).
     */
    private boolean negotiated(Feature f) {
        return f.in(featuresSet ? features : offeredFeatures(), protocolFeatures);
    }

    private void checkShape(Message m, Request r) {
        if (r.payloadSize() >= 0 && m.payload.length != r.payloadSize()) {
            throw ProtocolException.refuse(r + " payload of " + m.payload.length + " bytes, expected "
                    + r.payloadSize());
        }
        if (r.fds() >= 0 && m.fdCount() != r.fds()) {
            throw ProtocolException.refuse(r + " carried " + m.fdCount() + " descriptors, expected " + r.fds());
        }
    }

    private static Future<byte[]> done(byte[] reply) {
        return Future.succeededFuture(reply);
    }

    private long offeredFeatures() {
        return spec.features() | TRANSPORT_FEATURES;
    }

    private long offeredProtocolFeatures() {
        return ProtocolFeatures.COMMON | spec.protocolFeatures();
    }

    private Future<byte[]> setFeatures(long f) {
        long extra = f & ~offeredFeatures();
        if (extra != 0) {
            throw ProtocolException.refuse(String.format("features 0x%x were not offered", extra));
        }
        features = f;
        featuresSet = true;
        if ((f & ProtocolFeatures.F_PROTOCOL_FEATURES) == 0) {
            // Without protocol features a ring is enabled as soon as it is started.
            for (RingSlot s : rings) {
                s.enabled = true;
            }
        }
        publish("features", new JsonObject().put("features", Long.toHexString(f)));
        return device(new DeviceEvent.FeaturesSet(f)).compose(v -> startReadyRings()).map(v -> null);
    }

    private Future<byte[]> setProtocolFeatures(long f) {
        long extra = f & ~offeredProtocolFeatures();
        if (extra != 0) {
            throw ProtocolException.refuse(String.format("protocol features 0x%x were not offered", extra));
        }
        protocolFeatures = f;
        return done(null);
    }

    // ---- memory ----------------------------------------------------------------------------

    private Future<byte[]> setMemTable(Message m) {
        ByteBuffer b = m.body();
        if (m.payload.length < 8) {
            throw ProtocolException.refuse("SET_MEM_TABLE payload of " + m.payload.length + " bytes");
        }
        int n = b.getInt(0);
        if (n < 1 || n > 8 || m.payload.length != 8 + 32 * n) {
            throw ProtocolException.refuse("SET_MEM_TABLE with " + n + " regions in " + m.payload.length + " bytes");
        }
        if (m.fdCount() != n) {
            throw ProtocolException.refuse("SET_MEM_TABLE with " + n + " regions carried " + m.fdCount()
                    + " descriptors");
        }
        List<MemoryRegion> regions = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                int at = 8 + 32 * i;
                regions.add(MemoryRegion.map(b.getLong(at), b.getLong(at + 8), b.getLong(at + 16),
                        b.getLong(at + 24), m.fd(i)));
            }
            GuestMemory next = GuestMemory.of(regions);
            return swapMemory(next).map(v -> null);
        } catch (RuntimeException e) {
            regions.forEach(MemoryRegion::close);
            throw ProtocolException.refuse("SET_MEM_TABLE: " + e.getMessage());
        }
    }

    private Future<byte[]> addMemReg(Message m) {
        ByteBuffer b = m.body();
        MemoryRegion same = memory.find(b.getLong(8), b.getLong(16), b.getLong(24));
        if (same != null && same.mmapOffset() == b.getLong(32)) {
            // The same region again (another queue pair's vhost device): counted, not mapped twice.
            repeatedRegions.merge(same, 1, Integer::sum);
            return done(null);
        }
        if (memory.regionCount() >= MAX_MEM_SLOTS) {
            throw ProtocolException.refuse("all " + MAX_MEM_SLOTS + " memory slots are in use");
        }
        MemoryRegion r = MemoryRegion.map(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32),
                m.fd(0));
        GuestMemory next;
        try {
            next = memory.with(r);
        } catch (RuntimeException e) {
            r.close();
            throw ProtocolException.refuse("ADD_MEM_REG: " + e.getMessage());
        }
        return swapMemory(next).map(v -> null);
    }

    private Future<byte[]> remMemReg(Message m) {
        if (m.fdCount() > 1) {
            throw ProtocolException.refuse("REM_MEM_REG carried " + m.fdCount() + " descriptors");
        }
        ByteBuffer b = m.body();
        MemoryRegion r = memory.find(b.getLong(8), b.getLong(16), b.getLong(24));
        if (r == null) {
            throw ProtocolException.refuse(String.format("REM_MEM_REG: no region at gpa 0x%x size 0x%x",
                    b.getLong(8), b.getLong(16)));
        }
        Integer extra = repeatedRegions.get(r);
        if (extra != null) {
            // One of several adds of this region is taken back; the region stays for the others.
            if (extra > 1) {
                repeatedRegions.put(r, extra - 1);
            } else {
                repeatedRegions.remove(r);
            }
            return done(null);
        }
        return swapMemory(memory.without(r)).map(v -> null);
    }

    /** Moves running rings to the new snapshot, then unmaps the regions it no longer has. */
    private Future<Void> swapMemory(GuestMemory next) {
        GuestMemory previous = memory;
        memory = next;
        repeatedRegions.keySet().retainAll(new HashSet<>(next.regions()));
        return device(new DeviceEvent.MemoryChanged(next)).map(v -> {
            unmapDropped(previous, next);
            return null;
        });
    }

    private static void unmapDropped(GuestMemory previous, GuestMemory next) {
        Set<MemoryRegion> kept = new HashSet<>(next.regions());
        for (MemoryRegion r : previous.regions()) {
            if (!kept.contains(r)) {
                r.close();
            }
        }
    }

    // ---- rings -----------------------------------------------------------------------------

    private RingSlot ring(int index) {
        if (index < 0 || index >= rings.length) {
            throw ProtocolException.refuse("ring index " + index + " beyond the " + rings.length + " queues");
        }
        return rings[index];
    }

    private Future<byte[]> setVringNum(Message m) {
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
        return done(null);
    }

    private Future<byte[]> setVringAddr(Message m) {
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
        return done(null);
    }

    private Future<byte[]> setVringBase(Message m) {
        ByteBuffer b = m.body();
        RingSlot s = ring(b.getInt(0));
        if (s.running) {
            throw ProtocolException.refuse("ring " + s.index + " is running; its base cannot change");
        }
        s.base = b.getInt(4);
        return done(null);
    }

    private Future<byte[]> getVringBase(Message m) {
        RingSlot s = ring(m.body().getInt(0));
        return stopRing(s).map(v -> {
            // A stopped ring needs a new kick to start again (vhost-user.rst, "Ring states").
            s.kickSet = false;
            s.replaceKick(-1);
            return state(s.index, s.base);
        });
    }

    private Future<Void> stopRing(RingSlot s) {
        if (!s.running) {
            return Future.succeededFuture();
        }
        return device(new DeviceEvent.QueueStopped(s.index)).map(base -> {
            s.running = false;
            int b = (Integer) base;
            if (b >= 0) {
                s.base = b;
            }
            publish("queue-stopped", new JsonObject().put("queue", s.index));
            return null;
        });
    }

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

    private Future<byte[]> setVringKick(Message m) {
        RingSlot[] s = new RingSlot[1];
        int fd = eventFdArgument(m, s);
        RingSlot ring = s[0];
        return stopRing(ring).compose(v -> {
            ring.replaceKick(fd);
            ring.kickSet = true;
            return startReadyRings();
        }).map(v -> null);
    }

    private Future<byte[]> setVringCall(Message m) {
        RingSlot[] s = new RingSlot[1];
        int fd = eventFdArgument(m, s);
        RingSlot ring = s[0];
        int old = ring.callFd;
        ring.callFd = fd;
        if (!ring.running) {
            Linux.close(old);
            return done(null);
        }
        return device(new DeviceEvent.CallChanged(ring.index, fd)).map(v -> {
            Linux.close(old);
            return null;
        });
    }

    private Future<byte[]> setVringErr(Message m) {
        RingSlot[] s = new RingSlot[1];
        int fd = eventFdArgument(m, s);
        Linux.close(s[0].errFd);
        s[0].errFd = fd;
        return done(null);
    }

    private Future<byte[]> setVringEnable(Message m) {
        ByteBuffer b = m.body();
        RingSlot s = ring(b.getInt(0));
        int enable = b.getInt(4);
        if (enable != 0 && enable != 1) {
            throw ProtocolException.refuse("SET_VRING_ENABLE with " + enable);
        }
        s.enabled = enable == 1;
        if (s.enabled) {
            return startReadyRings().map(v -> null);
        }
        return stopRing(s).map(v -> null);
    }

    /** Starts every ring that has all it needs. */
    private Future<Void> startReadyRings() {
        if (!featuresSet || memory.regionCount() == 0) {
            return Future.succeededFuture();
        }
        Future<Void> chain = Future.succeededFuture();
        for (RingSlot s : rings) {
            if (s.ready()) {
                chain = chain.compose(v -> startRing(s));
            }
        }
        return chain;
    }

    private Future<Void> startRing(RingSlot s) {
        s.running = true;
        MemorySegment region = inflight == null ? null : inflight.region(s.index, s.size);
        return device(new DeviceEvent.QueueReady(s.index, s.size, s.addresses, s.base, features, s.kickFd,
                s.callFd, s.errFd, memory, region)).map(v -> {
            publish("queue-started", new JsonObject().put("queue", s.index).put("size", s.size)
                    .put("packed", (features & Virtqueue.F_RING_PACKED) != 0));
            return (Void) null;
        }).recover(e -> {
            s.running = false;
            needsReset = true;
            return Future.failedFuture(ProtocolException.refuse("ring " + s.index + " cannot start: "
                    + e.getMessage()));
        });
    }

    /** A request only the device understands. */
    private Future<byte[]> deviceRequest(String action, JsonObject arguments) {
        return device(new DeviceEvent.DeviceRequest(action, arguments)).map(v -> null);
    }

    // ---- inflight tracking -----------------------------------------------------------------

    private Future<byte[]> getInflightFd(Message m) {
        ByteBuffer b = m.body();
        int queues = Short.toUnsignedInt(b.getShort(16));
        int queueSize = Short.toUnsignedInt(b.getShort(18));
        if (queues < 1 || queues > rings.length || queueSize < 1 || queueSize > spec.maxQueueSize()) {
            throw ProtocolException.refuse("GET_INFLIGHT_FD for " + queues + " queues of " + queueSize);
        }
        if (inflight != null) {
            inflight.close();
        }
        inflight = InflightBuffer.create(queues, queueSize);
        ByteBuffer reply = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        reply.putLong(0, inflight.size()).putLong(8, 0).putShort(16, (short) queues).putShort(18, (short) queueSize);
        pendingReplyFd = inflight.fd();
        return done(reply.array());
    }

    private Future<byte[]> setInflightFd(Message m) {
        ByteBuffer b = m.body();
        long size = b.getLong(0);
        long offset = b.getLong(8);
        int queues = Short.toUnsignedInt(b.getShort(16));
        int queueSize = Short.toUnsignedInt(b.getShort(18));
        if (queues > rings.length) {
            throw ProtocolException.refuse("SET_INFLIGHT_FD for " + queues + " queues; the device has " + rings.length);
        }
        InflightBuffer next = InflightBuffer.adopt(m.takeFd(0), size, offset, queues, queueSize);
        if (inflight != null) {
            inflight.close();
        }
        inflight = next;
        return done(null);
    }

    // ---- config, back-end channel, reset ---------------------------------------------------

    private Future<byte[]> getConfig(Message m) {
        ByteBuffer b = m.body();
        if (m.payload.length < 12) {
            throw ProtocolException.refuse("GET_CONFIG payload of " + m.payload.length + " bytes");
        }
        int offset = b.getInt(0);
        int size = b.getInt(4);
        if (offset < 0 || size < 0 || offset + size > MAX_CONFIG_SIZE || m.payload.length != 12 + size) {
            throw ProtocolException.refuse("GET_CONFIG of " + size + " bytes at " + offset + " in "
                    + m.payload.length + " bytes");
        }
        return device(new DeviceEvent.ConfigRead()).map(c -> {
            byte[] config = (byte[]) c;
            byte[] reply = new byte[12 + size];
            System.arraycopy(m.payload, 0, reply, 0, 12);
            if (offset < config.length) {
                System.arraycopy(config, offset, reply, 12, Math.min(size, config.length - offset));
            }
            return reply;
        });
    }

    private Future<byte[]> setConfig(Message m) {
        ByteBuffer b = m.body();
        if (m.payload.length < 12) {
            throw ProtocolException.refuse("SET_CONFIG payload of " + m.payload.length + " bytes");
        }
        int offset = b.getInt(0);
        int size = b.getInt(4);
        if (offset < 0 || size < 0 || offset + size > MAX_CONFIG_SIZE || m.payload.length != 12 + size) {
            throw ProtocolException.refuse("SET_CONFIG of " + size + " bytes at " + offset);
        }
        byte[] data = new byte[size];
        System.arraycopy(m.payload, 12, data, 0, size);
        return device(new DeviceEvent.ConfigWritten(offset, data)).map(v -> null);
    }

    private Future<byte[]> setBackendReqFd(Message m) {
        if (backend != null) {
            backend.close();
        }
        backend = UnixSocket.adopt(m.takeFd(0));
        return done(null);
    }

    /** Tells the driver its config space changed, if the front end gave us a channel for it. */
    void configChanged() {
        if (backend == null || (protocolFeatures & ProtocolFeatures.CONFIG) == 0) {
            LOG.info("device " + deviceId + ": config changed, but the front end has no back-end channel");
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocate(Message.HEADER_SIZE);
            msg.set(U32, 0, BACKEND_CONFIG_CHANGE);
            msg.set(U32, 4, Message.VERSION);
            msg.set(U32, 8, 0);
            long rc = backend.send(msg, Message.HEADER_SIZE, null, 0);
            if (rc != Message.HEADER_SIZE) {
                LOG.warning("device " + deviceId + ": config-change message not sent (" + rc + ")");
            }
        }
        publish("config-changed", new JsonObject());
    }

    /** A queue broke on its worker: the device needs a reset, as GET_STATUS will tell. */
    void queueFailed(int index, String reason) {
        needsReset = true;
        publish("needs-reset", new JsonObject().put("queue", index).put("reason", reason));
    }

    private Future<Void> reset() {
        return device(new DeviceEvent.Reset()).map(v -> {
            for (RingSlot s : rings) {
                s.closeFds();
                s.running = false;
                s.kickSet = false;
                s.enabled = false;
                s.size = 0;
                s.addresses = null;
                s.base = 0;
            }
            status = 0;
            needsReset = false;
            features = 0;
            featuresSet = false;
            publish("reset", new JsonObject());
            return null;
        });
    }

    // ---- teardown --------------------------------------------------------------------------

    /** Closes the connection: the device parks its queues, then everything is released. */
    void close(String reason) {
        if (closing) {
            return;
        }
        closing = true;
        if (watch != null) {
            watch.cancel();
        }
        pending.forEach(Message::closeUntakenFds);
        pending.clear();
        Future<Object> parked = spec == null ? Future.succeededFuture() : device(new DeviceEvent.Disconnected());
        parked.onComplete(ar -> {
            if (ar.failed()) {
                LOG.log(Level.WARNING, "device " + deviceId + ": queues did not stop cleanly", ar.cause());
            }
            for (RingSlot s : rings) {
                s.closeFds();
            }
            memory.regions().forEach(MemoryRegion::close);
            memory = GuestMemory.EMPTY;
            repeatedRegions.clear();
            if (backend != null) {
                backend.close();
            }
            if (inflight != null) {
                inflight.close();
            }
            reader.close();
            socket.close();
            arena.close();
            publish("disconnected", new JsonObject().put("reason", reason));
            onClosed.run();
        });
    }

    // ---- helpers ---------------------------------------------------------------------------

    private Future<Object> device(DeviceEvent event) {
        return vertx.eventBus().request(Addresses.device(deviceId), event, LOCAL).map(msg -> msg.body());
    }

    private void publish(String event, JsonObject fields) {
        vertx.eventBus().publish(Addresses.EVENTS, fields.put("event", event).put("device", deviceId)
                .put("type", deviceType));
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }
}
