package org.vhostvertx.device.host;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.FeatureMask;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.device.lifecycle.BackendEvent;
import org.vhostvertx.device.lifecycle.DeviceEvent;
import org.vhostvertx.device.lifecycle.Envelope;
import org.vhostvertx.device.lifecycle.LocalCodec;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.memory.DirtyLog;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.virtq.VringAddresses;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;
import org.vhostvertx.worker.QueueRunner;
import org.vhostvertx.worker.RingWorker;
import org.vhostvertx.worker.RingWorkerPool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hosts one device: consumes its lifecycle events from the protocol verticle, starts and stops its
 * queues on ring workers, serves the operator's actions on the device's control address, and
 * publishes its counters.
 *
 * <p>Everything here runs on this verticle's event loop; the workers report back through it. The
 * one exception is a device action that blocks ({@link VirtioDevice#controlBlocks}), which runs on
 * a Vert.x worker thread and replies from the event loop.
 */
public final class DeviceHost extends VerticleBase implements DeviceContext {

    private static final Logger LOG = Logger.getLogger(DeviceHost.class.getName());
    // Local only: in a cluster these objects (mappings, descriptors) must never be offered to another
    // node, even one with a consumer on the same address; without a cluster it changes nothing.
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setCodecName(Addresses.LOCAL_CODEC)
            .setLocalOnly(true);
    private static final DeliveryOptions LOCAL_REQUEST = new DeliveryOptions().setCodecName(Addresses.LOCAL_CODEC)
            .setLocalOnly(true).setSendTimeout(30_000);

    private final String id;
    private final String type;
    private final Envelope envelope;
    private final RingWorkerPool pool;
    private final long statsMillis;
    private final VirtioDevice device;
    /** The operator's disableFeatures as bits, taken out of what the front end is offered. */
    private final long withheld;
    /**
     * The queues on workers (a failed one stays, parked, so GET_VRING_BASE can read its base).
     * Changed on the event loop only; concurrent because devices look up a queue's worker from any
     * thread (runOnWorker, wake).
     */
    private final Map<Integer, Running> running = new ConcurrentHashMap<>();
    /** The front end's dirty log (SET_LOG_BASE), and whether its features have LOG_ALL. */
    private DirtyLog dirtyLog;
    private boolean logAll;
    /** Rings whose addresses carry VHOST_VRING_F_LOG: their own writes are logged too. */
    private final Set<Integer> logRings = new HashSet<>();
    /** Queues in running that broke: parked, not serving. */
    private final Set<Integer> failed = new HashSet<>();
    private final Map<Integer, QueueCounters> counters = new TreeMap<>();
    /** The ring each queue index last started with, by index (like counters, kept across restarts). */
    private final Map<Integer, RingShape> shapes = new HashMap<>();
    /** Device actions running on worker threads; changed on the event loop only. */
    private final Set<Future<JsonObject>> blockingActions = new HashSet<>();
    private MessageConsumer<Object> consumer;
    private MessageConsumer<JsonObject> control;
    private long statsTimer = -1;

    private record Running(QueueRunner runner, RingWorker worker, int errFd, String group) {
    }

    private record RingShape(int size, boolean packed) {
    }

    /**
     * @param node   the node's name, which the control address and every published message carry
     * @param create makes the device with this host as its context; a configuration error throws
     *               here, before anything is deployed
     * @param disableFeatures names of the virtio features not to offer ({@link FeatureMask}); a name
     *               the device does not offer throws {@link org.vhostvertx.device.DeviceException}
     */
    public DeviceHost(String node, String id, String type, RingWorkerPool pool, long statsMillis,
                      Function<DeviceContext, VirtioDevice> create, List<String> disableFeatures) {
        this.id = id;
        this.type = type;
        this.envelope = new Envelope(node, id, type);
        this.pool = pool;
        this.statsMillis = statsMillis;
        this.device = create.apply(this);
        this.withheld = FeatureMask.of(disableFeatures, device.spec(), device.featureNames(), type);
    }

    public VirtioDevice device() {
        return device;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Future<?> start() {
        LocalCodec.register(vertx.eventBus());
        consumer = vertx.eventBus().localConsumer(Addresses.device(id), this::onEvent);
        control = vertx.eventBus().consumer(Addresses.control(envelope.node(), id), this::onControl);
        if (statsMillis > 0) {
            statsTimer = vertx.setPeriodic(statsMillis, t -> publishStats());
        }
        return Future.all(consumer.completion(), control.completion());
    }

    @Override
    public Future<?> stop() {
        if (statsTimer >= 0) {
            vertx.cancelTimer(statsTimer);
        }
        return stopAll().eventually(this::blockingActionsDone).eventually(() -> {
            device.close();
            return Future.all(consumer.unregister(), control.unregister());
        });
    }

    @Override
    public void configChanged() {
        vertx.runOnContext(v -> vertx.eventBus().send(Addresses.connection(id), new BackendEvent.ConfigChanged(), LOCAL));
    }

    /**
     * Straight onto the worker's queue of posted work, from any thread: no trip through the event
     * loop and no future per task, as a switch hands a frame to another lane's worker this way.
     */
    @Override
    public void runOnWorker(int index, Runnable task, Runnable notRunning) {
        Running r = running.get(index);
        if (r == null) {
            notRunning.run();
            return;
        }
        r.worker().post(r.runner(), task, notRunning);
    }

    @Override
    public void watch(int index, int fd, Runnable onReadable, Runnable notRunning) {
        Running r = running.get(index);
        if (r == null) {
            notRunning.run();
            return;
        }
        r.worker().watch(r.runner(), fd, onReadable, notRunning);
    }

    @Override
    public CompletionStage<Void> unwatch(int index, int fd) {
        Running r = running.get(index);
        return r == null ? CompletableFuture.completedFuture(null)
                : r.worker().unwatch(fd).exceptionally(stopped -> null);
    }

    @Override
    public CompletionStage<Void> workersPassed() {
        return pool.barrier();
    }

    @Override
    public void wake(int index) {
        Running r = running.get(index);
        if (r != null) {
            r.worker().wake(r.runner());
        }
    }

    /**
     * An operator's action: "stats" and "disconnect" are the framework's, every other one is the
     * device's ({@link VirtioDevice#control}). A refusal fails the request with 400 and the reason.
     */
    private void onControl(Message<JsonObject> message) {
        JsonObject body = message.body() == null ? new JsonObject() : message.body();
        String action = body.getValue("action") instanceof String a ? a : null;
        Future<JsonObject> result;
        try {
            if (action == null) {
                throw new DeviceException("a control request needs \"action\", a string");
            }
            result = switch (action) {
                case "stats" -> Future.succeededFuture(stats());
                case "disconnect" -> disconnect();
                default -> {
                    if (device.controlBlocks(action)) {
                        yield blockingAction(action, body);
                    }
                    JsonObject reply = device.control(action, body);
                    yield Future.succeededFuture(reply == null ? new JsonObject() : reply);
                }
            };
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onComplete(ar -> {
            if (ar.succeeded()) {
                if (!action.equals("stats")) {
                    vertx.eventBus().publish(Addresses.EVENTS, envelope.event("action",
                            new JsonObject().put("action", action)));
                }
                message.reply(ar.result());
            } else {
                LOG.warning("device " + id + ": action " + action + " refused: " + ar.cause().getMessage());
                message.fail(400, String.valueOf(ar.cause().getMessage()));
            }
        });
    }

    /**
     * A device action that blocks, on a worker thread: unordered, so that one slow action does not
     * hold back the next request's. It completes on the event loop, where the reply is sent.
     */
    private Future<JsonObject> blockingAction(String action, JsonObject body) {
        Future<JsonObject> result = vertx.executeBlocking(() -> device.control(action, body), false)
                .map(reply -> reply == null ? new JsonObject() : reply);
        blockingActions.add(result);
        return result.andThen(ar -> blockingActions.remove(result));
    }

    /**
     * Completes once no blocking action runs, so that the device closes after the last one has
     * returned; one that started while we waited (the control address is still served) is waited
     * for too.
     */
    private Future<Void> blockingActionsDone() {
        if (blockingActions.isEmpty()) {
            return Future.succeededFuture();
        }
        return Future.join(List.copyOf(blockingActions)).<Void>transform(ar -> blockingActionsDone());
    }

    /** Has the protocol verticle drop the front end's connection: {"disconnected": false} if none. */
    private Future<JsonObject> disconnect() {
        return vertx.eventBus().<Boolean>request(Addresses.connection(id), new BackendEvent.Disconnect(),
                LOCAL_REQUEST).map(reply -> new JsonObject().put("disconnected", reply.body()));
    }

    private void onEvent(Message<Object> message) {
        Future<?> result;
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine("device " + id + ": " + message.body());
        }
        try {
            result = switch ((DeviceEvent) message.body()) {
                case DeviceEvent.Connected c -> Future.succeededFuture(device.spec().withholding(withheld));
                case DeviceEvent.FeaturesSet f -> {
                    device.featuresNegotiated(f.features());
                    logAll = (f.features() & ProtocolFeatures.F_LOG_ALL) != 0;
                    yield applyLogging();
                }
                case DeviceEvent.LogBase l -> {
                    DirtyLog old = dirtyLog;
                    dirtyLog = l.log();
                    yield applyLogging().andThen(ar -> closeLog(old));
                }
                case DeviceEvent.RingLogging r -> {
                    if (r.on()) {
                        logRings.add(r.index());
                    } else {
                        logRings.remove(r.index());
                    }
                    yield applyLogging();
                }
                case DeviceEvent.MemoryChanged m -> remapAll(m.memory());
                case DeviceEvent.QueueReady q -> startQueue(q);
                case DeviceEvent.CallChanged c -> changeCall(c);
                case DeviceEvent.QueueStopped s -> stopQueue(s.index());
                case DeviceEvent.ConfigRead r -> Future.succeededFuture(device.config());
                case DeviceEvent.ConfigWritten w -> {
                    device.writeConfig(w.offset(), w.data());
                    yield Future.succeededFuture();
                }
                case DeviceEvent.SendRarp r -> {
                    device.sendRarp(r.mac());
                    yield Future.succeededFuture();
                }
                case DeviceEvent.SetMtu m -> {
                    device.setMtu(m.mtu());
                    yield Future.succeededFuture();
                }
                case DeviceEvent.Reset r -> stopAll().map(v -> {
                    device.reset();
                    return null;
                });
                case DeviceEvent.Disconnected d -> stopAll().map(v -> {
                    device.reset();
                    logAll = false;
                    logRings.clear();
                    closeLog(dirtyLog);
                    dirtyLog = null;
                    return null;
                });
            };
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onComplete(ar -> {
            if (ar.succeeded()) {
                message.reply(ar.result(), LOCAL);
            } else {
                message.fail(1, String.valueOf(ar.cause().getMessage()));
            }
        });
    }

    private QueueCounters countersOf(int index) {
        return counters.computeIfAbsent(index, i -> new QueueCounters());
    }

    /** The log the queues write into now: the front end's, while its features have LOG_ALL. */
    private DirtyLog activeLog() {
        return logAll ? dirtyLog : null;
    }

    /** Gives every running queue the active log (and its ring-logging flag), on its worker. */
    private Future<Void> applyLogging() {
        DirtyLog log = activeLog();
        List<Future<Void>> all = new ArrayList<>();
        for (Running r : running.values()) {
            boolean ring = logRings.contains(r.runner().index());
            all.add(Future.fromCompletionStage(r.worker().submit(() -> {
                r.runner().queue().log(log, ring);
                return (Void) null;
            }), context).recover(stopped -> Future.succeededFuture()));
        }
        return Future.join(all).mapEmpty();
    }

    private static void closeLog(DirtyLog log) {
        if (log != null) {
            log.close();
        }
    }

    private Future<Void> startQueue(DeviceEvent.QueueReady q) {
        if (running.containsKey(q.index())) {
            return Future.failedFuture("queue " + q.index() + " of " + id + " is already running");
        }
        if (q.size() > device.spec().maxQueueSize()) {
            return Future.failedFuture("queue size " + q.size() + " exceeds the maximum " + device.spec().maxQueueSize());
        }
        Virtqueue queue = Virtqueue.create(q.memory(), q.size(), q.addresses(), q.features(), q.base(), q.inflight(),
                device.spec().chainLimit(q.size()));
        if (queue.restartState() != null) {
            LOG.info("device " + id + " queue " + q.index() + " takes up where its last back end stopped: "
                    + queue.restartState());
        }
        if ((q.addresses().flags() & VringAddresses.F_LOG) != 0) {
            logRings.add(q.index());
        } else {
            logRings.remove(q.index());
        }
        // Set before the worker has the queue: no write of it escapes a log that is on.
        queue.log(activeLog(), logRings.contains(q.index()));
        QueueHandler handler = device.queueHandler(q.index(), q.features());
        String group = device.queueGroup(q.index());
        RingWorker worker = pool.acquire(group);
        QueueRunner[] self = new QueueRunner[1];
        QueueRunner runner = new QueueRunner(id, q.index(), queue, handler, countersOf(q.index()),
                q.kickFd(), q.callFd(), cause -> {
                    long at = System.currentTimeMillis();
                    vertx.runOnContext(v -> queueFailed(self[0], cause, at));
                });
        self[0] = runner;
        running.put(q.index(), new Running(runner, worker, q.errFd(), group));
        shapes.put(q.index(), new RingShape(q.size(), (q.features() & Virtqueue.F_RING_PACKED) != 0));
        failed.remove(q.index());
        return Future.fromCompletionStage(worker.attach(runner), context);
    }

    private Future<Void> changeCall(DeviceEvent.CallChanged c) {
        Running r = running.get(c.index());
        if (r == null) {
            return Future.succeededFuture();
        }
        return Future.fromCompletionStage(r.worker().submit(() -> {
            r.runner().callFd(c.callFd());
            return null;
        }), context);
    }

    private Future<Integer> stopQueue(int index) {
        Running r = running.remove(index);
        failed.remove(index);
        if (r == null) {
            return Future.succeededFuture(-1);
        }
        return Future.fromCompletionStage(r.worker().detach(r.runner()), context)
                .andThen(ar -> pool.release(r.group(), r.worker()));
    }

    private Future<Void> stopAll() {
        List<Future<Integer>> all = new ArrayList<>();
        for (Integer index : List.copyOf(running.keySet())) {
            all.add(stopQueue(index));
        }
        return Future.join(all).mapEmpty();
    }

    private Future<Void> remapAll(GuestMemory memory) {
        List<Future<Void>> all = new ArrayList<>();
        for (Running r : running.values()) {
            CompletableFuture<Void> done = r.worker().submit(() -> {
                // I/O in flight uses the old regions' pages: it ends before they may be unmapped.
                r.runner().quiesce();
                r.runner().queue().remap(memory);
                return null;
            });
            all.add(Future.fromCompletionStage(done, context).recover(e -> {
                // The ring is not inside the new memory: this queue cannot go on.
                running.remove(r.runner().index());
                return Future.fromCompletionStage(r.worker().detach(r.runner()), context)
                        .andThen(ar -> pool.release(r.group(), r.worker()))
                        .compose(b -> {
                            r.runner().counters().error();
                            reportFailure(r.runner().index(), r.errFd(), e, System.currentTimeMillis());
                            return Future.succeededFuture();
                        });
            }));
        }
        return Future.join(all).mapEmpty();
    }

    /** A worker found the queue broken at ts (it is parked there already). */
    private void queueFailed(QueueRunner runner, Throwable cause, long ts) {
        Running r = running.get(runner.index());
        if (r != null && r.runner() == runner) {
            failed.add(runner.index());
            reportFailure(runner.index(), r.errFd(), cause, ts);
        }
    }

    /** Tells the front end (err eventfd, NEEDS_RESET through the connection) and the console. */
    private void reportFailure(int index, int errFd, Throwable cause, long ts) {
        if (errFd >= 0) {
            Linux.eventfdSignal(errFd);
        }
        String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        LOG.log(Level.WARNING, "device " + id + " queue " + index + " stopped, the device needs a reset: " + reason);
        vertx.eventBus().send(Addresses.connection(id), new BackendEvent.QueueFailed(index, reason, ts), LOCAL);
        vertx.eventBus().publish(Addresses.EVENTS, envelope.event("queue-failed",
                new JsonObject().put("queue", index).put("reason", reason), ts));
    }

    /**
     * The counters of every queue that ever ran, as published on vhost.stats:
     * {@code {"node", "device", "type", "ts", "info", "queues": [...]}}. On this host's event loop.
     */
    public JsonObject stats() {
        long ts = System.currentTimeMillis();
        JsonArray queues = new JsonArray();
        counters.forEach((index, c) -> queues.add(queue(index, c, false)));
        return envelope.stats(new JsonObject().put("info", device.describe()).put("queues", queues), ts);
    }

    /**
     * What the node reports of this device's side, taken on this host's event loop from any thread:
     * {@code {"ts", "info", "queues": [...]}}, each queue as in {@link #stats()} plus the ring's
     * {@code size} and whether it is {@code packed}, as the queue last started.
     */
    public Future<JsonObject> snapshot() {
        Promise<JsonObject> taken = Promise.promise();
        context.runOnContext(v -> {
            try {
                long ts = System.currentTimeMillis();
                JsonArray queues = new JsonArray();
                counters.forEach((index, c) -> queues.add(queue(index, c, true)));
                taken.complete(new JsonObject().put("ts", ts).put("info", device.describe()).put("queues", queues));
            } catch (RuntimeException e) {
                taken.fail(e);
            }
        });
        return taken.future();
    }

    private JsonObject queue(int index, QueueCounters c, boolean withRing) {
        boolean serving = running.containsKey(index) && !failed.contains(index);
        JsonObject q = new JsonObject().put("index", index);
        if (withRing) {
            RingShape shape = shapes.get(index);
            q.put("size", shape == null ? null : shape.size()).put("packed", shape != null && shape.packed());
        }
        return q.put("worker", serving ? running.get(index).worker().name() : null)
                .put("running", serving)
                .put("kicks", c.kicks())
                .put("calls", c.calls())
                .put("requests", c.requests())
                .put("bytes", c.bytes())
                .put("errors", c.errors())
                .put("inFlight", c.inFlightNow());
    }

    private void publishStats() {
        vertx.eventBus().publish(Addresses.STATS, stats());
    }
}
