package org.vhostvertx.protocol;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.lifecycle.Envelope;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.linux.UnixSocket;

import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.vhostvertx.protocol.Payloads.u64;

/**
 * One front end on one device's socket: reads its requests and handles them one at a time, in
 * order. This class is the dispatcher: it applies the {@link Request} table to every request (its
 * feature negotiated, its shape), hands it to the family that keeps that part of the control-side
 * state ({@link FeatureNegotiation}, {@link MemoryTable}, {@link Rings}, {@link InflightTracking},
 * {@link ConfigChannel}, {@link DeviceStatus}), and answers the front end. The families reach the
 * device host through one {@link DeviceLink}. Runs on the owning verticle's event loop only.
 */
final class FrontEndConnection {

    private static final Logger LOG = Logger.getLogger(FrontEndConnection.class.getName());

    private final Context context;
    private final String deviceId;
    private final UnixSocket socket;
    private final Runnable onClosed;
    /** Epoch ms at which the connection was accepted or made. */
    private final long connectedSince = System.currentTimeMillis();
    private final Promise<Void> closed = Promise.promise();
    private final MessageReader reader = new MessageReader();
    private final ArrayDeque<Message> pending = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment out = arena.allocate(Message.HEADER_SIZE + MessageReader.MAX_PAYLOAD, 8);

    private final DeviceLink link;
    private final LifecycleEvents events;
    private final MemoryTable memory;
    private final DeviceStatus status = new DeviceStatus();
    private final ConfigChannel config;

    private EventLoopFd watch;
    /** What the device offers; null until it said. The families below need it and come with it. */
    private DeviceSpec spec;
    private FeatureNegotiation negotiation;
    private InflightTracking inflight;
    private Rings rings;
    private boolean busy;
    private boolean closing;

    FrontEndConnection(Vertx vertx, Context context, Envelope envelope, UnixSocket socket, Runnable onClosed) {
        this.context = context;
        this.deviceId = envelope.device();
        this.socket = socket;
        this.onClosed = onClosed;
        this.link = new DeviceLink(vertx, deviceId);
        this.events = new LifecycleEvents(vertx, envelope);
        this.memory = new MemoryTable(link);
        this.config = new ConfigChannel(deviceId, link, events);
    }

    /** Asks the device what it offers, then starts reading requests. */
    Future<Void> start() {
        return link.connected().compose(s -> {
            spec = s;
            negotiation = new FeatureNegotiation(s);
            inflight = new InflightTracking(s);
            rings = new Rings(s, link, events, negotiation, memory, inflight, status);
            return EventLoopFd.watch(context, socket.fd(), this::onSocket);
        }).map(w -> {
            watch = w;
            events.publish("connected", new JsonObject(), connectedSince);
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

    // ---- replies ---------------------------------------------------------------------------

    private void finish(Message m, byte[] reply, Throwable failure) {
        if (closing) {
            return;
        }
        boolean ownReply = m.request() != null && m.request().ownsReply();
        if (failure != null) {
            boolean fatal = failure instanceof ProtocolException p && p.fatal();
            LOG.warning("device " + deviceId + ": " + m.name() + " refused: " + failure.getMessage());
            events.publish("request-refused", new JsonObject().put("request", m.name())
                    .put("reason", failure.getMessage()));
            if (fatal || ownReply) {
                close(m.name() + " refused: " + failure.getMessage());
                return;
            }
            if (replyAck(m)) {
                send(m.code, u64(1), -1);
            }
            return;
        }
        if (ownReply) {
            send(m.code, reply, m.replyFd());
        } else if (replyAck(m)) {
            send(m.code, u64(0), -1);
        }
    }

    private boolean replyAck(Message m) {
        return m.needReply() && negotiation.hasProtocolFeature(ProtocolFeatures.REPLY_ACK);
    }

    /** Sends a reply, with a copy of fd unless it is -1. */
    private void send(int code, byte[] payload, int fd) {
        out.set(Message.U32, 0, code);
        out.set(Message.U32, 4, Message.VERSION | Message.FLAG_REPLY);
        out.set(Message.U32, 8, payload.length);
        MemorySegment.copy(payload, 0, out, ValueLayout.JAVA_BYTE, Message.HEADER_SIZE, payload.length);
        long n = Message.HEADER_SIZE + payload.length;
        long rc = fd >= 0 ? socket.send(out, n, new int[]{fd}, 1) : socket.send(out, n, null, 0);
        if (rc != n) {
            close("reply could not be sent: " + (rc < 0 ? Linux.strerror((int) -rc) : "short write"));
        }
    }

    // ---- requests --------------------------------------------------------------------------

    /** Applies the request table (see {@link Request}), then hands the request to its family. */
    private Future<byte[]> handle(Message m) {
        Request r = Request.admit(m, negotiation);
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("device " + deviceId + ": " + r + " " + java.util.HexFormat.of().formatHex(m.payload)
                    + " fds " + m.fdCount());
        }
        return switch (r) {
            case GET_FEATURES -> done(u64(negotiation.offeredFeatures()));
            case SET_FEATURES -> setFeatures(m.u64());
            case SET_OWNER -> done(null);
            case RESET_OWNER, RESET_DEVICE -> reset().map(v -> null);
            case GET_PROTOCOL_FEATURES -> done(u64(negotiation.offeredProtocolFeatures()));
            case SET_PROTOCOL_FEATURES -> {
                negotiation.setProtocolFeatures(m.u64());
                yield done(null);
            }
            case GET_QUEUE_NUM -> done(u64(spec.queues()));
            case GET_MAX_MEM_SLOTS -> memory.getMaxMemSlots();
            case SET_MEM_TABLE -> memory.setMemTable(m);
            case ADD_MEM_REG -> memory.addMemReg(m);
            case REM_MEM_REG -> memory.remMemReg(m);
            case SET_LOG_BASE -> memory.setLogBase(m);
            case SET_VRING_NUM -> rings.setVringNum(m);
            case SET_VRING_ADDR -> rings.setVringAddr(m);
            case SET_VRING_BASE -> rings.setVringBase(m);
            case GET_VRING_BASE -> rings.getVringBase(m);
            case SET_VRING_KICK -> rings.setVringKick(m);
            case SET_VRING_CALL -> rings.setVringCall(m);
            case SET_VRING_ERR -> rings.setVringErr(m);
            case SET_VRING_ENABLE -> rings.setVringEnable(m);
            case SET_BACKEND_REQ_FD -> config.setBackendReqFd(m);
            case GET_CONFIG -> config.getConfig(m);
            case SET_CONFIG -> config.setConfig(m);
            case SET_STATUS -> {
                status.set((int) m.u64());
                yield done(null);
            }
            case GET_STATUS -> done(u64(status.get()));
            case GET_INFLIGHT_FD -> inflight.getInflightFd(m);
            case SET_INFLIGHT_FD -> inflight.setInflightFd(m);
            // The MAC sits in the first six payload bytes, in wire order.
            case SEND_RARP -> link.sendRarp(java.util.Arrays.copyOf(m.payload, 6)).map(v -> null);
            case NET_SET_MTU -> link.setMtu(m.u64()).map(v -> null);
            default -> throw ProtocolException.refuse(r + " is not supported");
        };
    }

    private static Future<byte[]> done(byte[] reply) {
        return Future.succeededFuture(reply);
    }

    /** SET_FEATURES: the device learns them, and rings that waited for them start. */
    private Future<byte[]> setFeatures(long f) {
        negotiation.setFeatures(f);
        if ((f & ProtocolFeatures.F_PROTOCOL_FEATURES) == 0) {
            rings.enableAll();
        }
        events.publish("features", new JsonObject().put("features", Long.toHexString(f)));
        return link.featuresSet(f).compose(v -> rings.startReady()).map(v -> null);
    }

    /** RESET_OWNER, RESET_DEVICE: the device parks its queues and starts over; memory stays. */
    private Future<Void> reset() {
        return link.reset().map(v -> {
            rings.reset();
            status.reset();
            negotiation.resetFeatures();
            events.publish("reset", new JsonObject());
            return null;
        });
    }

    // ---- from the device -------------------------------------------------------------------

    /** Tells the driver its config space changed, if the front end gave us a channel for it. */
    void configChanged() {
        config.configChanged(negotiation != null && negotiation.hasProtocolFeature(ProtocolFeatures.CONFIG));
    }

    /** A queue broke on its worker at ts: the device needs a reset, as GET_STATUS will tell. */
    void queueFailed(int index, String reason, long ts) {
        status.needsReset();
        events.publish("needs-reset", new JsonObject().put("queue", index).put("reason", reason), ts);
    }

    // ---- for the node's report -------------------------------------------------------------

    /** What this connection knows now (see {@link ConnectionSnapshot} for the state's rule). */
    ConnectionSnapshot snapshot() {
        String state = status.needsResetRaised() ? "needs-reset"
                : rings != null && rings.anyRunning() ? "running" : "connected";
        List<ConnectionSnapshot.Region> regions = memory.current().regions().stream()
                .map(r -> new ConnectionSnapshot.Region(r.guestPhysAddr(), r.size(), r.userAddr())).toList();
        return new ConnectionSnapshot(state, connectedSince, negotiation == null ? 0 : negotiation.features(),
                negotiation == null ? 0 : negotiation.protocolFeatures(), regions);
    }

    // ---- teardown --------------------------------------------------------------------------

    /**
     * Closes the connection: the device parks its queues, then everything is released. The future
     * completes once the socket is closed (the same one for every call).
     */
    Future<Void> close(String reason) {
        if (closing) {
            return closed.future();
        }
        closing = true;
        long at = System.currentTimeMillis();
        if (watch != null) {
            watch.cancel();
        }
        pending.forEach(Message::closeUntakenFds);
        pending.clear();
        Future<Void> parked = spec == null ? Future.succeededFuture() : link.disconnected();
        parked.onComplete(ar -> {
            if (ar.failed()) {
                LOG.log(Level.WARNING, "device " + deviceId + ": queues did not stop cleanly", ar.cause());
            }
            if (rings != null) {
                rings.close();
            }
            memory.close();
            config.close();
            if (inflight != null) {
                inflight.close();
            }
            reader.close();
            socket.close();
            arena.close();
            events.publish("disconnected", new JsonObject().put("reason", reason), at);
            onClosed.run();
            closed.complete();
        });
        return closed.future();
    }
}
