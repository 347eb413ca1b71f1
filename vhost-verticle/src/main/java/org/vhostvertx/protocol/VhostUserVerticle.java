package org.vhostvertx.protocol;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.device.lifecycle.BackendEvent;
import org.vhostvertx.device.lifecycle.Envelope;
import org.vhostvertx.device.lifecycle.LocalCodec;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.linux.UnixSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.logging.Logger;

/**
 * The vhost-user protocol for one device: owns its socket (server mode: listens, one front end at
 * a time; client mode: connects to the front end's socket and reconnects with back-off) and runs a
 * {@link FrontEndConnection} for the front end. An operator may drop that connection
 * ({@link BackendEvent.Disconnect}); the front end then comes back as after any other disconnect.
 */
public final class VhostUserVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(VhostUserVerticle.class.getName());
    private static final long MAX_BACKOFF_MILLIS = 2000;

    /** How the device reaches its front end. */
    public enum Mode { SERVER, CLIENT }

    /**
     * @param socketPermissions POSIX permissions of a server socket file, e.g. "rw-------"
     * @param reconnectMillis   first delay before a client reconnects; doubles up to 2 s
     */
    public record Settings(String deviceId, String deviceType, Path socket, Mode mode, String socketPermissions,
                           long reconnectMillis) {
    }

    private final Settings settings;
    private final Envelope envelope;
    private UnixSocket listener;
    private EventLoopFd listenWatch;
    private FrontEndConnection connection;
    private MessageConsumer<Object> backendEvents;
    private long reconnectDelay;
    private long reconnectTimer = -1;
    private boolean stopping;

    /** @param node the node's name, which the events of this device carry */
    public VhostUserVerticle(String node, Settings settings) {
        this.settings = settings;
        this.envelope = new Envelope(node, settings.deviceId(), settings.deviceType());
        this.reconnectDelay = settings.reconnectMillis();
    }


    @Override
    public Future<?> start() {
        LocalCodec.register(vertx.eventBus());
        backendEvents = vertx.eventBus().localConsumer(Addresses.connection(settings.deviceId()), m -> {
            FrontEndConnection c = connection;
            switch ((BackendEvent) m.body()) {
                case BackendEvent.ConfigChanged changed -> {
                    if (c != null) {
                        c.configChanged();
                    }
                }
                case BackendEvent.QueueFailed f -> {
                    if (c != null) {
                        c.queueFailed(f.index(), f.reason(), f.ts());
                    }
                }
                case BackendEvent.Disconnect d -> {
                    if (c == null) {
                        m.reply(false);
                    } else {
                        LOG.info("device " + settings.deviceId() + ": an operator drops the front end's connection");
                        c.close("disconnected by an operator").onComplete(ar -> m.reply(true));
                    }
                }
            }
        });
        return backendEvents.completion().compose(v -> settings.mode() == Mode.SERVER ? listen() : connectLater(0));
    }

    @Override
    public Future<?> stop() {
        stopping = true;
        if (reconnectTimer >= 0) {
            vertx.cancelTimer(reconnectTimer);
        }
        if (listenWatch != null) {
            listenWatch.cancel();
        }
        if (listener != null) {
            listener.close();
            try {
                Files.deleteIfExists(settings.socket());
            } catch (IOException ignored) {
                // the file may be gone already
            }
        }
        // The device parks the queues before the connection lets go of memory and descriptors.
        Future<Void> closed = connection != null ? connection.close("back end stopping") : Future.succeededFuture();
        return closed.eventually(() -> backendEvents.unregister());
    }

    /**
     * What the protocol side knows of the front end now, taken on this verticle's event loop from
     * any thread.
     */
    public Future<ConnectionSnapshot> snapshot() {
        Promise<ConnectionSnapshot> taken = Promise.promise();
        context.runOnContext(v -> {
            try {
                taken.complete(connection != null ? connection.snapshot() : new ConnectionSnapshot(
                        settings.mode() == Mode.SERVER ? "listening" : "connecting", null, 0, 0, List.of()));
            } catch (RuntimeException e) {
                taken.fail(e);
            }
        });
        return taken.future();
    }

    // ---- server mode -----------------------------------------------------------------------

    private Future<Void> listen() {
        Path path = settings.socket();
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            if (Files.exists(path)) {
                if (UnixSocket.isLive(path)) {
                    return Future.failedFuture(new IllegalStateException("socket " + path
                            + " is in use by a live process; refusing to replace it"));
                }
                LOG.info("replacing stale socket file " + path);
                Files.delete(path);
            }
            listener = UnixSocket.listen(path, 16);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(settings.socketPermissions()));
        } catch (IOException e) {
            return Future.failedFuture(new UncheckedIOException("cannot create socket " + path + ": "
                    + e.getMessage(), e));
        } catch (LinuxException | IllegalArgumentException e) {
            return Future.failedFuture(new IllegalStateException("cannot listen on " + path + ": "
                    + e.getMessage(), e));
        }
        return EventLoopFd.watch(context, listener.fd(), ops -> acceptAll()).map(w -> {
            listenWatch = w;
            LOG.info("device " + settings.deviceId() + " (" + settings.deviceType() + ") listening on " + path);
            return null;
        });
    }

    /**
     * Takes the next front end. While one is attached, the listener is paused: a front end that
     * reconnects before we saw the old connection end waits in the backlog instead of being refused.
     */
    private void acceptAll() {
        if (connection != null) {
            return;
        }
        UnixSocket s = listener.accept();
        if (s != null) {
            listenWatch.pause();
            attach(s);
        }
    }

    // ---- client mode -----------------------------------------------------------------------

    private Future<Void> connectLater(long delay) {
        if (delay <= 0) {
            tryConnect();
        } else {
            reconnectTimer = vertx.setTimer(delay, t -> {
                reconnectTimer = -1;
                tryConnect();
            });
        }
        return Future.succeededFuture();
    }

    private void tryConnect() {
        if (stopping) {
            return;
        }
        try {
            UnixSocket s = UnixSocket.connect(settings.socket());
            reconnectDelay = settings.reconnectMillis();
            LOG.info("device " + settings.deviceId() + " connected to " + settings.socket());
            attach(s);
        } catch (LinuxException e) {
            long delay = reconnectDelay;
            reconnectDelay = Math.min(reconnectDelay * 2, Math.max(settings.reconnectMillis(), MAX_BACKOFF_MILLIS));
            connectLater(delay);
        }
    }

    // ---- both ------------------------------------------------------------------------------

    private void attach(UnixSocket s) {
        FrontEndConnection c = new FrontEndConnection(vertx, context, envelope, s, () -> detached());
        connection = c;
        c.start().onFailure(e -> {
            LOG.warning("device " + settings.deviceId() + ": connection could not start: " + e.getMessage());
            c.close(e.getMessage());
        });
    }

    private void detached() {
        connection = null;
        if (!stopping && settings.mode() == Mode.CLIENT) {
            connectLater(settings.reconnectMillis());
        } else if (!stopping) {
            listenWatch.resume();
            acceptAll();
        }
    }
}
