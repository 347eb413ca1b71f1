package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A guest on a switch whose host port is a TAP interface: the test moves the tap into a network
 * namespace of its own, gives it an address there, host and guest ping each other, and a file goes
 * each way over TCP (busybox nc) with the same md5. With offloads the large TCP frames pass the
 * tap as they are (virtio-net header both ways); without, the switch cuts them. Nothing leaves
 * that namespace.
 */
class TapUplinkTest {

    @TempDir
    Path dir;

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    static int run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println(String.join(" ", cmd) + " -> " + rc + "\n" + out);
        }
        return rc;
    }

    @ParameterizedTest(name = "offloads {0}")
    @ValueSource(booleans = {true, false})
    void hostAndGuestPingAndSendFilesThroughTheTap(boolean offloads) throws Exception {
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
                .put("switches", new JsonArray().add(new JsonObject().put("name", "up").put("tap", tap)
                        .put("offloads", offloads)));
        assertEquals(0, run(List.of("ip", "netns", "add", ns)));
        try (Backend backend = Backend.start(config)) {
            assertEquals(0, run(List.of("ip", "link", "set", tap, "netns", ns)));
            assertEquals(0, run(List.of("ip", "netns", "exec", ns, "ip", "addr", "add", "169.254.20.1/24", "dev", tap)));
            assertEquals(0, run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", tap, "up")));
            QemuGuest.Builder guest = QemuGuest.builder("net-tap").timeout(Duration.ofSeconds(240))
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("g.sock"),
                            "-netdev", "vhost-user,id=n0,chardev=c0",
                            "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:00:20:02,vectors=0")
                    .script("net").param("ip", "169.254.20.2").param("peer", "169.254.20.1").param("role", "host")
                    .param("mib", 4);
            try (QemuGuest.Running g = guest.start()) {
                assertTrue(g.waitForOutput("VT-READY host-ping", QemuGuest.scaled(Duration.ofSeconds(180))),
                        "the guest did not reach the host:\n" + g.consoleSoFar());
                // busybox's ping: the machine need not have iputils.
                int rc = run(List.of("ip", "netns", "exec", ns, "busybox", "ping", "-c", "3", "-W", "5", "169.254.20.2"));
                assertEquals(0, rc, "the host pings the guest; switch: " + backend.vertx().eventBus()
                        .<JsonObject>request(Backend.controlAddress("g"), new JsonObject().put("action", "stats"))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body().encode()
                        + "\n" + g.consoleSoFar());
                // A file each way: the host sends one to the guest, then takes the guest's.
                Path toGuest = dir.resolve("to-guest");
                byte[] data = new byte[4 << 20];
                new Random(7).nextBytes(data);
                Files.write(toGuest, data);
                Path fromGuest = dir.resolve("from-guest");
                Process listener = new ProcessBuilder("ip", "netns", "exec", ns, "busybox", "nc", "-l", "-p", "5002")
                        .redirectOutput(fromGuest.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                try {
                    Process send = new ProcessBuilder("ip", "netns", "exec", ns, "busybox", "nc", "169.254.20.2", "5001")
                            .redirectInput(toGuest.toFile()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    assertTrue(send.waitFor(120, TimeUnit.SECONDS), "the host's nc did not finish");
                    QemuGuest.Result r = g.await();
                    r.assertPassed();
                    assertTrue(listener.waitFor(30, TimeUnit.SECONDS), "the host's listener did not finish");
                    Matcher in = Pattern.compile("from host (\\d+) bytes md5 ([0-9a-f]{32})").matcher(r.console());
                    assertTrue(in.find(), r.console());
                    assertEquals(md5(data), in.group(2), "the guest got the host's file unchanged");
                    Matcher out = Pattern.compile("to host \\d+ MiB md5 ([0-9a-f]{32})").matcher(r.console());
                    assertTrue(out.find(), r.console());
                    assertEquals(out.group(1), md5(Files.readAllBytes(fromGuest)), "the host got the guest's file unchanged");
                } finally {
                    listener.destroyForcibly();
                }
                JsonObject tapStats = backend.vertx().eventBus()
                        .<JsonObject>request(Backend.controlAddress("g"), new JsonObject().put("action", "stats"))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body()
                        .getJsonObject("info").getJsonObject("tap");
                System.out.println("tap with offloads " + offloads + ": " + tapStats.encode());
                assertEquals(offloads, tapStats.getBoolean("offloads"), tapStats.encode());
                if (offloads) {
                    assertTrue(tapStats.getLong("largeFromHost") > 0, "the kernel handed us large frames: " + tapStats);
                    assertTrue(tapStats.getLong("largeToHost") > 0, "large frames went to the kernel as they are: " + tapStats);
                } else {
                    assertEquals(0, tapStats.getLong("largeFromHost") + tapStats.getLong("largeToHost"), tapStats.encode());
                }
                assertEquals(0, tapStats.getJsonObject("drops").getLong("badHeader"), tapStats.encode());
            }
        } finally {
            run(List.of("ip", "netns", "del", ns));
        }
    }
}
