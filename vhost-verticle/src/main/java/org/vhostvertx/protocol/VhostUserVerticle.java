package org.vhostvertx.protocol;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.device.lifecycle.BackendEvent;
import org.vhostvertx.device.lifecycle.LocalCodec;
import org.vhostvertx.linux.LinuxException;
import org.vhostvertx.linux.UnixSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;

/**
 * The vhost-user protocol for one device: owns its socket (server mode: listens, one front end at
 * a time; client mode: connects to the front end's socket and reconnects with back-off) and runs a
 * {@link FrontEndConnection} for the front end.
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
    private UnixSocket listener;
    private EventLoopFd listenWatch;
    private FrontEndConnection connection;
    private MessageConsumer<Object> backendEvents;
    private long reconnectDelay;
    private long reconnectTimer = -1;
    private boolean stopping;

    public VhostUserVerticle(Settings settings) {
        this.settings = settings;
        this.reconnectDelay = settings.reconnectMillis();
    }

    @Override
    public Future<?> start() {
        LocalCodec.register(vertx.eventBus());
        backendEvents = vertx.eventBus().localConsumer(Addresses.connection(settings.deviceId()), m -> {
            if (connection == null) {
                return;
            }
            switch ((BackendEvent) m.body()) {
                case BackendEvent.ConfigChanged c -> connection.configChanged();
                case BackendEvent.QueueFailed f -> connection.queueFailed(f.index(), f.reason());
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
        if (connection != null) {
            connection.close("back end stopping");
        }
        return backendEvents.unregister();
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
        FrontEndConnection c = new FrontEndConnection(vertx, context, settings.deviceId(), settings.deviceType(), s,
                () -> detached());
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
