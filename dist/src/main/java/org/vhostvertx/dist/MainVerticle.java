package org.vhostvertx.dist;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.host.DeviceHost;
import org.vhostvertx.protocol.VhostUserVerticle;
import org.vhostvertx.worker.RingWorkerPool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Deploys every configured device: a {@link DeviceHost} made by the plugin of its type (found with
 * ServiceLoader) and a {@link VhostUserVerticle} on its socket. With no configuration it serves the
 * embedded default and prints how to attach QEMU.
 */
public class MainVerticle extends VerticleBase {

    private static final Logger LOG = Logger.getLogger(MainVerticle.class.getName());

    private RingWorkerPool pool;
    private Map<String, DeviceFactory> factories = Map.of();

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
        List<DeviceHost> created = new ArrayList<>();
        for (int i = 0; i < conf.devices().size(); i++) {
            Configuration.Device d = conf.devices().get(i);
            DeviceFactory factory = factories.get(d.type());
            try {
                created.add(new DeviceHost(d.id(), d.type(), pool, conf.statsMillis(),
                        ctx -> factory.create(d.entry(), ctx)));
            } catch (DeviceException e) {
                created.forEach(h -> h.device().close());
                pool.close();
                return Future.failedFuture(new ConfigException("configuration refused: devices[" + i + "] (\""
                        + d.id() + "\"): " + e.getMessage()));
            }
        }
        Future<Void> all = Future.succeededFuture();
        for (int i = 0; i < created.size(); i++) {
            DeviceHost host = created.get(i);
            Configuration.Device d = conf.devices().get(i);
            all = all.compose(v -> vertx.deployVerticle(host, new DeploymentOptions()))
                    .compose(id -> vertx.deployVerticle(new VhostUserVerticle(d.settings())))
                    .mapEmpty();
        }
        return all.onSuccess(v -> {
            for (Configuration.Device d : conf.devices()) {
                LOG.info("device " + d.id() + " (" + d.type() + ") on " + d.settings().socket() + " ["
                        + d.settings().mode().name().toLowerCase() + "]");
            }
            if (embedded) {
                String socket = conf.devices().getFirst().settings().socket().toString();
                System.out.println("vhost-vertx is serving its default configuration: a 1 GiB blk disk.\n"
                        + "Attach a QEMU guest with:\n    " + DefaultConfiguration.qemuOptions(socket));
            }
        });
    }

    @Override
    public Future<?> stop() {
        // Child verticles are undeployed by Vert.x first; then the workers can go.
        if (pool != null) {
            pool.close();
        }
        factories.values().forEach(DeviceFactory::close);
        return Future.succeededFuture();
    }
}
