package org.vhostvertx.test.net;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPDK's testpmd with a virtio-user port on our reflect port, io forwarding with tx_first: frames
 * flow both ways at full speed, and testpmd's counters agree with ours.
 */
class TestpmdReflectTest {

    @TempDir
    Path dir;

    /**
     * Split and packed rings (packed: used buffers go back to the driver one burst at a time), with
     * IN_ORDER (testpmd then takes its in-order paths) and, on a split ring, without it.
     */
    @ParameterizedTest(name = "packed {0}, IN_ORDER disabled {1}")
    @CsvSource({"false, false", "true, false", "false, true"})
    void testpmdIoForwardingThroughAReflectPort(boolean packed, boolean inOrderDisabled) throws Exception {
        Testpmd.require();
        Path socket = dir.resolve("reflect.sock");
        JsonObject reflect = new JsonObject().put("id", "reflect").put("type", "net").put("port", "reflect")
                .put("socket", socket.toString());
        if (inOrderDisabled) {
            reflect.put("disableFeatures", new JsonArray().add("IN_ORDER"));
        }
        try (Backend backend = Backend.start(Backend.config(reflect))) {
            var run = Testpmd.runAsync("vt-reflect-" + ProcessHandle.current().pid(),
                    List.of("--lcores", "0@0,1@0", "--vdev", "net_virtio_user0,path=" + socket + ",queues=1,queue_size=256"
                            + (packed ? ",packed_vq=1" : "")),
                    List.of("--forward-mode=io", "--tx-first", "--auto-start", "--nb-cores=1"), 3,
                    dir.resolve("testpmd.log"));
            // The features testpmd set, read while it is connected.
            JsonArray features = new JsonArray();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (features.isEmpty() && !run.isDone() && System.nanoTime() < deadline) {
                features = device(backend).getJsonArray("features");
                Thread.sleep(50);
            }
            assertEquals(!inOrderDisabled, features.contains("IN_ORDER"), "testpmd takes IN_ORDER when offered: " + features);
            Testpmd.Stats s = run.get(60, TimeUnit.SECONDS);
            assertTrue(s.rxPackets() > 1000, "frames came back to testpmd: " + s.rxPackets() + "\n" + s.output());
            // tx_first puts one burst of 32 frames in flight; every frame testpmd received it had sent.
            assertTrue(s.txPackets() >= s.rxPackets(), s.toString());
            assertTrue(s.txPackets() - s.rxPackets() <= 32 + 256, "frames lost in the loop: " + s);

            JsonObject stats = backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress("reflect"),
                    new JsonObject().put("action", "stats")).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).body();
            JsonObject rx = stats.getJsonArray("queues").getJsonObject(0);
            JsonObject tx = stats.getJsonArray("queues").getJsonObject(1);
            assertEquals(1, tx.getInteger("index"));
            JsonObject device = device(backend);
            assertEquals(packed, device.getJsonArray("queues").getJsonObject(1).getBoolean("packed"),
                    "the ring layout testpmd was asked for: " + device.encode());
            long taken = tx.getLong("requests");
            long delivered = rx.getLong("requests");
            assertEquals(taken, delivered, "every frame taken from testpmd was reflected back");
            assertTrue(taken >= s.rxPackets() && taken <= s.txPackets(),
                    "ours " + taken + " between testpmd's received " + s.rxPackets() + " and sent " + s.txPackets());
            assertEquals(0L, stats.getJsonObject("info").getJsonObject("drops").getLong("noBuffer"));
        }
    }

    @Test
    void twoQueuePairsEachOnItsOwnWorker() throws Exception {
        Testpmd.require();
        Path socket = dir.resolve("mq.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "mq").put("type", "net")
                .put("port", "reflect").put("queues", 2).put("socket", socket.toString())))) {
            var run = Testpmd.runAsync(
                    "vt-mq-" + ProcessHandle.current().pid(), List.of("--lcores", "0@0,1@0",
                    "--vdev", "net_virtio_user0,path=" + socket + ",queues=2,queue_size=256"),
                    List.of("--forward-mode=io", "--tx-first", "--auto-start", "--nb-cores=1", "--rxq=2", "--txq=2"), 4,
                    dir.resolve("testpmd-mq.log"));
            // While testpmd forwards: where do the queues run?
            JsonObject during = null;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline) {
                during = stats(backend);
                var q = during.getJsonArray("queues");
                if (q.size() >= 4 && q.getJsonObject(3).getString("worker") != null
                        && q.getJsonObject(3).getLong("requests") > 1000 && q.getJsonObject(1).getLong("requests") > 1000) {
                    break;
                }
                Thread.sleep(100);
            }
            var q = during.getJsonArray("queues");
            assertEquals(q.getJsonObject(0).getString("worker"), q.getJsonObject(1).getString("worker"),
                    "a pair's two queues share a worker: " + q);
            assertEquals(q.getJsonObject(2).getString("worker"), q.getJsonObject(3).getString("worker"), q.encode());
            assertTrue(!q.getJsonObject(1).getString("worker").equals(q.getJsonObject(3).getString("worker")),
                    "the two pairs run on the two workers: " + q);
            assertTrue(q.getJsonObject(1).getLong("requests") > 1000 && q.getJsonObject(3).getLong("requests") > 1000,
                    "both pairs carry frames: " + q);
            assertTrue(run.get(60, TimeUnit.SECONDS).rxPackets() > 1000);
        }
    }

    /** The reflect port as the node's "devices" action reports it. */
    static JsonObject device(Backend backend) throws Exception {
        return backend.node(new JsonObject().put("action", "devices")).getJsonArray("devices")
                .stream().map(JsonObject.class::cast).filter(d -> d.getString("id").equals("reflect"))
                .findFirst().orElseThrow();
    }

    static JsonObject stats(Backend backend) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress("mq"), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }
}
