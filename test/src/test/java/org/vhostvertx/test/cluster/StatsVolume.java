package org.vhostvertx.test.cluster;

import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: what one node's vhost.stats costs the cluster. One node (the runnable jar, -cluster)
 * with N RAM blk devices and statsMillis 1000; this JVM joins the cluster as a lite member,
 * subscribes to vhost.stats, and counts for S seconds the messages and their bytes: the JSON body,
 * and the clustered event bus's frame around it (Vert.x 5 ClusteredMessage: 4 length, 1 version,
 * 1 codec, 1 send/publish, 4 + address, 4 for no reply address, 4 + the sender's node id, 4 for no
 * headers, 4 + the body). First with no front end, then with our Java front end connected to every
 * device and one request served on its queue, so each message carries a queue. A publication goes
 * once to every node with a vhost.stats consumer (a console), so these are per such node. Run with
 * {@code bin/bench stats [devices (100)] [seconds (10)]}.
 */
public final class StatsVolume {

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path work = Files.createTempDirectory("vhost-stats");
        JsonObject cluster = new JsonObject().put("name", "stats-" + ProcessHandle.current().pid()).put("port", 6701)
                .put("members", new JsonArray().add("127.0.0.1:6701").add("127.0.0.1:6702"));
        JsonArray list = new JsonArray();
        for (int i = 0; i < devices; i++) {
            list.add(new JsonObject().put("id", "d" + i).put("type", "blk").put("socket", work.resolve("d" + i + ".sock")
                    .toString()).put("ram", true).put("size", "1M"));
        }
        JsonObject config = new JsonObject().put("node", "s").put("workers", 1).put("pollMicros", 0)
                .put("statsMillis", 1000).put("console", new JsonObject().put("enabled", false)).put("cluster", cluster)
                .put("devices", list);
        try (BackendProcess node = BackendProcess.start(BackendProcess.jar(), ClusterTest.JVM, config,
                ClusterTest.CLUSTER, work);
             ClusterMember member = ClusterMember.join(cluster)) {
            AtomicLong messages = new AtomicLong();
            AtomicLong json = new AtomicLong();
            AtomicLong wire = new AtomicLong();
            String sender = ((io.vertx.core.internal.VertxInternal) member.vertx()).clusterManager().getNodeId();
            MessageConsumer<JsonObject> c = member.vertx().eventBus().consumer(Addresses.STATS, m -> {
                int body = m.body().encode().getBytes(StandardCharsets.UTF_8).length;
                messages.incrementAndGet();
                json.addAndGet(body);
                wire.addAndGet(4 + 1 + 1 + 1 + 4 + Addresses.STATS.length() + 4 + 4
                        + sender.getBytes(StandardCharsets.UTF_8).length + 4 + 4 + body);
            });
            c.completion().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

            Thread.sleep(3000);
            measure("idle (no front end)", devices, seconds, messages, json, wire);

            List<AutoCloseable> open = new ArrayList<>();
            try {
                for (int i = 0; i < devices; i++) {
                    GuestRam ram = new GuestRam(0, 1 << 20);
                    open.add(ram);
                    FrontEnd fe = FrontEnd.start(work.resolve("d" + i + ".sock"), ram, FrontEnd.Options.split());
                    open.add(fe);
                    BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                    blk.read(blk.slot(4096), 0, 4096);
                }
                Thread.sleep(3000);
                measure("each device connected, one queue", devices, seconds, messages, json, wire);
            } finally {
                for (int i = open.size() - 1; i >= 0; i--) {
                    open.get(i).close();
                }
            }
        } finally {
            try (var files = Files.list(work)) {
                files.forEach(p -> p.toFile().delete());
            }
            Files.deleteIfExists(work);
        }
    }

    static void measure(String what, int devices, int seconds, AtomicLong messages, AtomicLong json, AtomicLong wire)
            throws InterruptedException {
        long m0 = messages.get();
        long j0 = json.get();
        long w0 = wire.get();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double s = (System.nanoTime() - t0) / 1e9;
        long m = messages.get() - m0;
        System.out.printf("%d devices, %s: %.1f messages/s, JSON %.0f bytes/s (%.0f per message), on the wire %.0f"
                        + " bytes/s%n", devices, what, m / s, (json.get() - j0) / s, (double) (json.get() - j0) / m,
                (wire.get() - w0) / s);
    }
}
