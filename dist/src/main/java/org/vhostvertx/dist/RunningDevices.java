package org.vhostvertx.dist;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.FeatureNames;
import org.vhostvertx.device.host.DeviceHost;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.protocol.ConnectionSnapshot;
import org.vhostvertx.protocol.VhostUserVerticle;
import org.vhostvertx.worker.RingWorkerPool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The devices this node serves, in the order they came (configuration, then added at run time):
 * for each, its {@link DeviceHost} and its {@link VhostUserVerticle}. It deploys and removes them,
 * reports on them, and says which configuration runs. Used on the launcher's context only, so the
 * devices it deploys are the launcher's children and go when it goes.
 */
final class RunningDevices {

    private static final Logger LOG = Logger.getLogger(RunningDevices.class.getName());

    private final Vertx vertx;
    private final Configuration configuration;
    private final Map<String, DeviceFactory> factories;
    private final RingWorkerPool pool;
    private final Map<String, Running> byId = new LinkedHashMap<>();

    /** One device: deployed once {@code deployed} completes; leaving while {@code removing}. */
    private static final class Running {
        final Configuration.Device device;
        final DeviceHost host;
        final VhostUserVerticle protocol;
        Future<Void> deployed;
        String hostDeployment;
        String protocolDeployment;
        boolean ready;
        boolean removing;

        Running(Configuration.Device device, DeviceHost host, VhostUserVerticle protocol) {
            this.device = device;
            this.host = host;
            this.protocol = protocol;
        }

        /** Counted as running: deployed and not on its way out. */
        boolean serving() {
            return ready && !removing;
        }
    }

    /** The node's device report: when it was taken, and one object per device. */
    record Report(long ts, JsonArray devices) {
    }

    RunningDevices(Vertx vertx, Configuration configuration, Map<String, DeviceFactory> factories,
                   RingWorkerPool pool) {
        this.vertx = vertx;
        this.configuration = configuration;
        this.factories = factories;
        this.pool = pool;
    }

    /**
     * Makes every configured device first, so that a plugin that refuses its entry refuses the
     * configuration before anything is deployed ({@link ConfigException} naming devices[i]), then
     * deploys them in order.
     */
    Future<Void> startAll() {
        List<Running> created = new ArrayList<>();
        List<Configuration.Device> devices = configuration.devices();
        for (int i = 0; i < devices.size(); i++) {
            Configuration.Device d = devices.get(i);
            try {
                created.add(create(d));
            } catch (DeviceException e) {
                created.forEach(r -> r.host.device().close());
                return Future.failedFuture(new ConfigException("configuration refused: devices[" + i + "] (\""
                        + d.id() + "\"): " + e.getMessage()));
            }
        }
        Future<Void> all = Future.succeededFuture();
        for (Running r : created) {
            byId.put(r.device.id(), r);
            all = all.compose(v -> deploy(r));
        }
        return all;
    }

    private Running create(Configuration.Device d) {
        DeviceFactory factory = factories.get(d.type());
        DeviceHost host = new DeviceHost(configuration.node(), d.id(), d.type(), pool, configuration.statsMillis(),
                ctx -> factory.create(d.entry(), ctx), d.disableFeatures());
        return new Running(d, host, new VhostUserVerticle(configuration.node(), d.settings()));
    }

    /** The host first, so its local consumer exists before a front end can connect. */
    private Future<Void> deploy(Running r) {
        r.deployed = vertx.deployVerticle(r.host, new DeploymentOptions())
                .compose(hostId -> {
                    r.hostDeployment = hostId;
                    return vertx.deployVerticle(r.protocol);
                })
                .map(protocolId -> {
                    r.protocolDeployment = protocolId;
                    r.ready = true;
                    LOG.info("device " + r.device.id() + " (" + r.device.type() + ") on " + r.device.settings().socket()
                            + " [" + r.device.settings().mode().name().toLowerCase() + "]");
                    return null;
                });
        return r.deployed;
    }

    /**
     * "add-device": entry is checked as a configuration entry is (fields named "device.x"), and the
     * device is deployed with its socket. {"id": id}; 400 for a bad field or a socket that cannot be
     * served, 409 when its id or socket is in use.
     */
    Future<JsonObject> add(Object value) {
        if (!(value instanceof JsonObject entry)) {
            throw Refusal.badRequest("add-device needs \"device\": a device object as in the configuration's "
                    + "\"devices\"");
        }
        Configuration.Device d;
        try {
            d = Configuration.device(entry.copy(), "device", factories);
        } catch (ConfigException e) {
            throw Refusal.badRequest(e.getMessage());
        }
        if (byId.containsKey(d.id())) {
            throw Refusal.conflict("device.id \"" + d.id() + "\" is in use");
        }
        for (Running other : byId.values()) {
            if (other.device.socketKey().equals(d.socketKey())) {
                throw Refusal.conflict("device.socket \"" + d.settings().socket() + "\" is in use by device \""
                        + other.device.id() + "\"");
            }
        }
        if (d.settings().mode() == VhostUserVerticle.Mode.SERVER && UnixSocket.isLive(d.settings().socket())) {
            throw Refusal.conflict("device.socket \"" + d.settings().socket() + "\" is in use by a live process");
        }
        if (factories.get(d.type()).deviceFields().isEmpty()) {
            LOG.warning("the " + d.type() + " plugin does not declare its device fields (DeviceFactory.deviceFields):"
                    + " a misspelt field of device " + d.id() + " is not refused");
        }
        Running r;
        try {
            r = create(d);
        } catch (DeviceException e) {
            throw Refusal.badRequest("device (\"" + d.id() + "\"): " + e.getMessage());
        }
        byId.put(d.id(), r);
        return deploy(r).transform(ar -> {
            if (ar.succeeded()) {
                return Future.succeededFuture(new JsonObject().put("id", d.id()));
            }
            byId.remove(d.id());
            Future<Void> undone = r.hostDeployment != null ? vertx.undeploy(r.hostDeployment)
                    : Future.succeededFuture();
            return undone.eventually(() -> {
                if (r.hostDeployment == null) {
                    r.host.device().close();
                }
                return Future.succeededFuture();
            }).transform(v -> Future.failedFuture(Refusal.badRequest("device (\"" + d.id() + "\"): "
                    + ar.cause().getMessage())));
        });
    }

    /**
     * "remove-device": the protocol verticle goes first (it drops the front end, the host parks the
     * queues, and a server's socket file is deleted), then the host (it closes the device).
     * {"id": id}; 404 for a device it does not have.
     */
    Future<JsonObject> remove(Object value) {
        Running r = value instanceof String id ? byId.get(id) : null;
        if (r == null || r.removing) {
            throw Refusal.notFound("no device " + value);
        }
        r.removing = true;
        String id = r.device.id();
        return r.deployed
                .transform(deployed -> deployed.succeeded() ? vertx.undeploy(r.protocolDeployment)
                        : Future.failedFuture(Refusal.notFound("no device " + id)))
                .transform(protocolGone -> {
                    if (protocolGone.failed() && protocolGone.cause() instanceof Refusal) {
                        return Future.failedFuture(protocolGone.cause());
                    }
                    return vertx.undeploy(r.hostDeployment).transform(hostGone -> {
                        byId.remove(id);
                        Throwable failure = protocolGone.failed() ? protocolGone.cause() : hostGone.cause();
                        if (failure != null) {
                            LOG.warning("device " + id + " removed, but not cleanly: " + failure.getMessage());
                        } else {
                            LOG.info("device " + id + " removed");
                        }
                        return Future.succeededFuture(new JsonObject().put("id", id));
                    });
                });
    }

    /**
     * "devices": one object per serving device, each taken on the device's own event loops: the
     * protocol side's (state, features, memory) and the host's (queues, info).
     */
    Future<Report> report() {
        long ts = System.currentTimeMillis();
        List<Future<JsonObject>> each = new ArrayList<>();
        for (Running r : byId.values()) {
            if (r.serving()) {
                each.add(Future.all(r.protocol.snapshot(), r.host.snapshot())
                        .map(both -> describe(r, both.resultAt(0), both.resultAt(1))));
            }
        }
        return Future.all(each).map(all -> {
            JsonArray devices = new JsonArray();
            each.forEach(f -> devices.add(f.result()));
            return new Report(ts, devices);
        });
    }

    private static JsonObject describe(Running r, ConnectionSnapshot connection, JsonObject host) {
        Configuration.Device d = r.device;
        JsonArray regions = new JsonArray();
        connection.memoryRegions().forEach(m -> regions.add(new JsonObject().put("gpa", m.gpa())
                .put("size", m.size()).put("uva", m.uva())));
        return new JsonObject()
                .put("id", d.id())
                .put("type", d.type())
                .put("socket", d.settings().socket().toString())
                .put("mode", d.settings().mode().name().toLowerCase())
                .put("state", connection.state())
                .put("connectedSince", connection.connectedSince())
                .put("features", new JsonArray(FeatureNames.virtio(connection.features(),
                        r.host.device().featureNames())))
                .put("protocolFeatures", new JsonArray(FeatureNames.protocol(connection.protocolFeatures())))
                .put("memoryRegions", regions)
                .put("queues", host.getJsonArray("queues"))
                .put("info", host.getJsonObject("info"));
    }

    /** "config": the configuration that runs now, as -conf takes it. */
    JsonObject configuration() {
        List<JsonObject> entries = new ArrayList<>();
        byId.values().stream().filter(Running::serving).forEach(r -> entries.add(r.device.entry()));
        return configuration.withDevices(entries);
    }
}
