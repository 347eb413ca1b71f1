package org.vhostvertx.dist;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.console.ConsoleSettings;
import org.vhostvertx.console.ConsoleVerticle;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.host.DeviceHost;
import org.vhostvertx.protocol.VhostUserVerticle;
import org.vhostvertx.worker.RingWorkerPool;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Starts the node: checks the configuration, deploys every configured device (a {@link DeviceHost}
 * made by the plugin of its type, found with ServiceLoader, and a {@link VhostUserVerticle} on its
 * socket; {@link RunningDevices}) and answers on the node's address ({@link NodeControl}); then,
 * unless {@code console.enabled} is false, the web console ({@link ConsoleVerticle}), whose failure
 * to start is logged and does not stop the node. Before any of that it claims the node's name
 * ({@link NodeRegistry}), which a live node of the cluster may already have. With no configuration
 * it serves the embedded default and prints how to attach QEMU.
 */
public class MainVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(MainVerticle.class.getName());

    private RingWorkerPool pool;
    private Map<String, DeviceFactory> factories = Map.of();
    private MessageConsumer<JsonObject> node;
    private NodeRegistry registry;
    private volatile ConsoleVerticle console;

    /** The device plugins on the class path, by type. */
    public static Map<String, DeviceFactory> factories() {
        Map<String, DeviceFactory> byType = new TreeMap<>();
        for (DeviceFactory f : ServiceLoader.load(DeviceFactory.class)) {
            byType.put(f.type(), f);
        }
        return byType;
    }

    @Override
    public Future<?> start() {
        if (!vertx.isNativeTransportEnabled()) {
            return Future.failedFuture(new IllegalStateException("Vert.x started without the native epoll transport "
                    + "(preferNativeTransport), which vhost-user sockets need: " + vertx.unavailableNativeTransportCause()));
        }
        boolean embedded = config().isEmpty();
        JsonObject json = embedded ? DefaultConfiguration.create() : config();
        Map<String, DeviceFactory> factories = factories();
        Configuration conf;
        try {
            conf = Configuration.parse(json, factories);
        } catch (ConfigException e) {
            return Future.failedFuture(new ConfigException("configuration refused: " + e.getMessage()));
        }
        conf.devices().stream().map(Configuration.Device::type).distinct()
                .filter(type -> factories.get(type).deviceFields().isEmpty())
                .forEach(type -> LOG.warning("the " + type + " plugin does not declare its device fields"
                        + " (DeviceFactory.deviceFields): a misspelt field of a " + type + " device is not refused"));
        // The name first: a node refused for it touches no socket, image or tap of the node that has it.
        return NodeRegistry.claim(vertx, conf.node())
                .compose(claimed -> {
                    registry = claimed;
                    return startDevices(json, conf, factories, embedded);
                })
                .onFailure(e -> stop());
    }

    private Future<?> startDevices(JsonObject json, Configuration conf, Map<String, DeviceFactory> factories,
                                   boolean embedded) {
        for (DeviceFactory f : factories.values()) {
            try {
                f.configure(json);
            } catch (DeviceException e) {
                factories.values().forEach(DeviceFactory::close);
                return Future.failedFuture(new ConfigException("configuration refused: " + e.getMessage()));
            }
        }
        this.factories = factories;
        pool = new RingWorkerPool(conf.workers(), conf.pollMicros() * 1000);
        RunningDevices devices = new RunningDevices(vertx, conf, factories, pool);
        return devices.startAll()
                .compose(v -> NodeControl.register(vertx, conf.node(), devices, factories))
                .compose(consumer -> {
                    node = consumer;
                    return registry.joined();
                })
                .onSuccess(v -> {
                    LOG.info("node " + conf.node() + " serves " + conf.devices().size() + " device(s)"
                            + (vertx.isClustered() ? " in a cluster" : ""));
                    if (embedded) {
                        String socket = conf.devices().getFirst().settings().socket().toString();
                        System.out.println("vhost-vertx is serving its default configuration: a 1 GiB blk disk.\n"
                                + "Attach a QEMU guest with:\n    " + DefaultConfiguration.qemuOptions(socket));
                    }
                })
                .compose(v -> startConsole(conf));
    }

    /**
     * Deploys the web console as a child (it goes when the node goes). It knows the node only by
     * its event-bus contract, so it gets the node's name and the "console" object. If it cannot
     * start (its port is taken), that is logged and the node goes on serving its devices.
     */
    private Future<Void> startConsole(Configuration conf) {
        JsonObject settings = conf.console() == null ? new JsonObject() : conf.console().copy();
        JsonObject consoleConfig = new JsonObject().put("node", conf.node()).put("console", settings);
        if (!ConsoleSettings.enabled(consoleConfig)) {
            return Future.succeededFuture();
        }
        ConsoleVerticle verticle = new ConsoleVerticle();
        return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(consoleConfig))
                .<Void>map(id -> {
                    console = verticle;
                    return null;
                })
                .recover(e -> {
                    LOG.severe(e.getMessage() + "; node " + conf.node() + " serves its devices without the console");
                    return Future.succeededFuture();
                });
    }

    /** The web console, once it listens; null when it is disabled or could not start. */
    public ConsoleVerticle console() {
        return console;
    }

    @Override
    public Future<?> stop() {
        // Child verticles (the devices) are undeployed by Vert.x first; then the workers can go.
        if (node != null) {
            node.unregister();
            node = null;
        }
        Future<Void> left = Future.succeededFuture();
        if (registry != null) {
            left = registry.close();
            registry = null;
        }
        if (pool != null) {
            pool.close();
            pool = null;
        }
        factories.values().forEach(DeviceFactory::close);
        factories = Map.of();
        return left;
    }
}
