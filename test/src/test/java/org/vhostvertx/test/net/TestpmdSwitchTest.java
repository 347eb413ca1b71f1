package org.vhostvertx.test.net;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * testpmd on switch ports: txonly into a port that has no peer (every frame is taken and counted as
 * "no destination"), and io forwarding between two ports with two queue pairs each (lanes).
 */
class TestpmdSwitchTest {

    @TempDir
    Path dir;

    @Test
    void txonlyIntoALonelySwitchPort() throws Exception {
        Testpmd.require();
        Path socket = dir.resolve("port.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "port").put("type", "net")
                .put("port", "switch").put("switch", "lonely").put("socket", socket.toString())))) {
            Testpmd.Stats s = Testpmd.run("vt-txonly-" + ProcessHandle.current().pid(),
                    List.of("--lcores", "0@0,1@0", "--vdev", "net_virtio_user0,path=" + socket + ",queues=1,queue_size=256"),
                    List.of("--forward-mode=txonly", "--auto-start", "--nb-cores=1"), 3, dir.resolve("testpmd.log"));
            assertTrue(s.txPackets() > 1000, "testpmd sent frames: " + s);
            assertEquals(0, s.rxPackets(), "nothing comes back from a port without peers");
            JsonObject stats = backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress("port"),
                    new JsonObject().put("action", "stats")).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).body();
            long taken = stats.getJsonArray("queues").getJsonObject(1).getLong("requests");
            long noDestination = stats.getJsonObject("info").getJsonObject("drops").getLong("noDestination");
            assertEquals(taken, noDestination, "every frame taken is counted as dropped for no destination");
            assertTrue(taken <= s.txPackets() && s.txPackets() - taken <= 256,
                    "ours " + taken + " against testpmd's " + s.txPackets() + " sent (at most a ring in flight)");
        }
    }

    @Test
    void ioForwardingBetweenTwoPortsOnTwoLanes() throws Exception {
        Testpmd.require();
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("b.sock");
        try (Backend backend = Backend.start(Backend.config(lanePort("a", a), lanePort("b", b)))) {
            var run = Testpmd.runAsync(
                    "vt-lanes-" + ProcessHandle.current().pid(), List.of("--lcores", "0@0,1@0",
                    "--vdev", "net_virtio_user0,path=" + a + ",queues=2,queue_size=256",
                    "--vdev", "net_virtio_user1,path=" + b + ",queues=2,queue_size=256"),
                    List.of("--forward-mode=io", "--tx-first", "--auto-start", "--nb-cores=1", "--rxq=2", "--txq=2"), 4,
                    dir.resolve("testpmd-lanes.log"));
            // While testpmd forwards, frames must cross the switch on both lanes of both ports.
            JsonObject sa = null;
            JsonObject sb = null;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline) {
                sa = stats(backend, "a");
                sb = stats(backend, "b");
                if (requests(sa, 1) > 1000 && requests(sa, 3) > 1000 && requests(sb, 1) > 1000
                        && requests(sb, 3) > 1000) {
                    break;
                }
                Thread.sleep(100);
            }
            for (JsonObject st : List.of(sa, sb)) {
                assertTrue(requests(st, 1) > 1000 && requests(st, 3) > 1000, "both pairs carry frames: " + st);
            }
            assertEquals(worker(sa, 1), worker(sb, 0), "pair 0 of both ports is one lane: " + sa + sb);
            assertEquals(worker(sa, 3), worker(sb, 2), "pair 1 of both ports is one lane: " + sa + sb);
            assertTrue(!worker(sa, 1).equals(worker(sa, 3)), "the two lanes run on the two workers: " + sa);
            Testpmd.Stats s = run.get(60, TimeUnit.SECONDS);
            // Circulation, not speed: a loaded CI machine may move few frames in testpmd's time.
            assertTrue(s.rxPackets() > 1000, "frames went round: " + s);
            assertEquals(0, stats(backend, "b").getJsonObject("info").getLong("handovers"), "every frame stayed in its lane");
        }
    }

    static JsonObject lanePort(String id, Path socket) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "switch").put("switch", "lanes")
                .put("queues", 2).put("socket", socket.toString());
    }

    static JsonObject stats(Backend backend, String id) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress(id), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }

    static JsonObject queue(JsonObject stats, int index) {
        var queues = stats.getJsonArray("queues");
        for (int i = 0; i < queues.size(); i++) {
            if (queues.getJsonObject(i).getInteger("index") == index) {
                return queues.getJsonObject(i);
            }
        }
        return new JsonObject();
    }

    static long requests(JsonObject stats, int index) {
        return queue(stats, index).getLong("requests", 0L);
    }

    static String worker(JsonObject stats, int index) {
        return queue(stats, index).getString("worker");
    }
}
