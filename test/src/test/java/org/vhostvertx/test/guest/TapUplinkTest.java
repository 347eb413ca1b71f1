package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A guest on a switch whose host port is a TAP interface: the test moves the tap into a network
 * namespace of its own, gives it an address there, and host and guest ping each other. Nothing
 * leaves that namespace.
 */
class TapUplinkTest {

    @TempDir
    Path dir;

    static int run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", cmd) + " -> " + rc + "\n" + out);
        }
        return rc;
    }

    @Test
    void hostAndGuestPingEachOtherThroughTheTap() throws Exception {
        GuestRequirement.require();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (System.getenv("CI") != null) {
            assertTrue(root && Files.exists(Path.of("/dev/net/tun")), "CI runs as root with /dev/net/tun");
        } else {
            assumeTrue(root && Files.exists(Path.of("/dev/net/tun")), "needs root and /dev/net/tun");
        }
        long pid = ProcessHandle.current().pid();
        String tap = "vt" + (pid % 100000);
        String ns = "vhost-vertx-" + pid;
        JsonObject config = Backend.config(new JsonObject().put("id", "g").put("type", "net").put("port", "switch")
                        .put("switch", "up").put("socket", dir.resolve("g.sock").toString()).put("mac", "52:54:00:00:20:02"))
                .put("switches", new JsonArray().add(new JsonObject().put("name", "up").put("tap", tap)));
        assertEquals(0, run(List.of("ip", "netns", "add", ns)));
        try (Backend backend = Backend.start(config)) {
            assertEquals(0, run(List.of("ip", "link", "set", tap, "netns", ns)));
            assertEquals(0, run(List.of("ip", "netns", "exec", ns, "ip", "addr", "add", "169.254.20.1/24", "dev", tap)));
            assertEquals(0, run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", tap, "up")));
            QemuGuest.Builder guest = QemuGuest.builder("net-tap").timeout(Duration.ofSeconds(240))
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("g.sock"),
                            "-netdev", "vhost-user,id=n0,chardev=c0",
                            "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:00:20:02,vectors=0")
                    .script("net").param("ip", "169.254.20.2").param("peer", "169.254.20.1").param("role", "host");
            try (QemuGuest.Running g = guest.start()) {
                assertTrue(g.waitForOutput("VT-READY host-ping", QemuGuest.scaled(Duration.ofSeconds(180))),
                        "the guest did not reach the host:\n" + g.consoleSoFar());
                // busybox's ping: the machine need not have iputils.
                int rc = run(List.of("ip", "netns", "exec", ns, "busybox", "ping", "-c", "3", "-W", "5", "169.254.20.2"));
                assertEquals(0, rc, "the host pings the guest; switch: " + backend.vertx().eventBus()
                        .<JsonObject>request("vhost.control.g", new JsonObject().put("action", "stats"))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body().encode()
                        + "\n" + g.consoleSoFar());
                g.await().assertPassed();
            }
        } finally {
            run(List.of("ip", "netns", "del", ns));
        }
    }
}
