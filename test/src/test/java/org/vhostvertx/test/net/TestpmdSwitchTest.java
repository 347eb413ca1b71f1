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

/** testpmd txonly into a switch port that has no peer: every frame is taken and counted as "no destination". */
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
            assertTrue(s.txPackets() > 10_000, "testpmd sent frames: " + s);
            assertEquals(0, s.rxPackets(), "nothing comes back from a port without peers");
            JsonObject stats = backend.vertx().eventBus().<JsonObject>request("vhost.control.port",
                    new JsonObject().put("action", "stats")).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).body();
            long taken = stats.getJsonArray("queues").getJsonObject(1).getLong("requests");
            long noDestination = stats.getJsonObject("info").getJsonObject("drops").getLong("noDestination");
            assertEquals(taken, noDestination, "every frame taken is counted as dropped for no destination");
            assertTrue(taken <= s.txPackets() && s.txPackets() - taken <= 256,
                    "ours " + taken + " against testpmd's " + s.txPackets() + " sent (at most a ring in flight)");
        }
    }
}
