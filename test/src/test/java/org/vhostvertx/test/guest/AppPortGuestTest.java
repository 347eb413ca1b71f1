package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.net.AppPorts;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.RealClients;
import org.vhostvertx.test.net.AppPortTestKit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A QEMU guest (Linux virtio_net) on an app port pings an application built on the net plugin's
 * public API (the ARP and ICMP responder), while a capture of the port runs; tcpdump reads the
 * capture back and shows the guest's echo requests and the application's replies.
 */
class AppPortGuestTest {

    @TempDir
    Path dir;

    @Test
    void aGuestPingsTheApplicationAndTcpdumpReadsTheCapture() throws Exception {
        GuestRequirement.require();
        Path tcpdump = Path.of("/usr/bin/tcpdump");
        RealClients.require("tcpdump", Files.isExecutable(tcpdump) ? null : "tcpdump not found (install tcpdump)");
        String appMac = "52:54:00:00:20:01";
        String guestMac = "52:54:00:00:20:02";
        String appIp = "169.254.20.1";
        String guestIp = "169.254.20.2";
        var responder = AppPortTestKit.responder(appIp);
        try (AutoCloseable registered = AppPorts.register("gapp", responder);
             Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "gapp").put("type", "net")
                     .put("port", "app").put("socket", dir.resolve("gapp.sock").toString()).put("mac", appMac)
                     .put("mtu", 1500)))) {
            JsonObject capture = backend.control("gapp", new JsonObject().put("action", "capture").put("seconds", 600));
            Path file = Path.of(capture.getString("file"));
            assertEquals(dir, file.getParent(), "captures go next to the socket by default");
            try (QemuGuest.Running guest = NetGuestTest.guest(dir, "gapp", guestMac, guestIp, appIp, "ping", 1500)
                    .start()) {
                guest.await().assertPassed();
            }
            JsonObject stopped = backend.control("gapp", new JsonObject().put("action", "capture-stop"));
            assertFalse(stopped.getBoolean("running"), stopped.encode());
            assertTrue(AppPortTestKit.echoReplies(responder) >= 4, "the application answered the guest's pings");

            Process p = new ProcessBuilder(tcpdump.toString(), "-n", "-r", file.toString()).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            long requests = out.lines().filter(l -> l.contains(guestIp + " > " + appIp + ": ICMP echo request")).count();
            long replies = out.lines().filter(l -> l.contains(appIp + " > " + guestIp + ": ICMP echo reply")).count();
            assertTrue(requests >= 4 && replies >= 4, "echo requests and replies in tcpdump's reading:\n" + out);
            assertTrue(out.contains("ARP, Reply " + appIp + " is-at " + appMac), out);
        }
    }
}
