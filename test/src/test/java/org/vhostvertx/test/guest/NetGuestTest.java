package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two QEMU guests (Linux virtio_net) on two ports of one of our switches: they ping each other
 * and a file sent with nc arrives with the same checksum, at MTU 1500 and at a jumbo MTU.
 */
class NetGuestTest {

    @TempDir
    Path dir;

    static JsonObject port(Path dir, String id, String mac, int mtu) {
        return port(dir, id, mac, mtu, 1);
    }

    static JsonObject port(Path dir, String id, String mac, int mtu, int queues) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "switch").put("switch", "br" + mtu)
                .put("socket", dir.resolve(id + ".sock").toString()).put("mac", mac).put("mtu", mtu)
                .put("queues", queues);
    }

    static QemuGuest.Builder guest(Path dir, String id, String mac, String ip, String peer, String role, int mtu) {
        return guest(dir, id, mac, ip, peer, role, mtu, 1);
    }

    static QemuGuest.Builder guest(Path dir, String id, String mac, String ip, String peer, String role, int mtu,
                                   int queues) {
        // vectors=0: vhost-user virtio-net-pci with MSI-X crashes QEMU 7.2 under TCG (see the design's traps).
        QemuGuest.Builder b = QemuGuest.builder("net-" + id).timeout(Duration.ofSeconds(300))
                .args("-chardev", "socket,id=c0,path=" + dir.resolve(id + ".sock"),
                        "-netdev", "vhost-user,id=n0,chardev=c0" + (queues > 1 ? ",queues=" + queues : ""),
                        "-device", "virtio-net-pci,netdev=n0,mac=" + mac + ",vectors=0,host_mtu=" + mtu
                                + (queues > 1 ? ",mq=on" : ""))
                .script("net").param("ip", ip).param("peer", peer).param("role", role).param("mtu", mtu).param("mib", 4);
        if (queues > 1) {
            // Linux uses as many pairs as it has CPUs.
            b.smp(queues).param("queues", queues);
        }
        return b;
    }

    @ParameterizedTest(name = "mtu {0}, {1} queue pair(s)")
    @CsvSource({"1500, 1", "9000, 1", "1500, 2"})
    void twoGuestsPingAndSendAFile(int mtu, int queues) throws Exception {
        GuestRequirement.require();
        String macA = "52:54:00:00:10:01";
        String macB = "52:54:00:00:10:02";
        // Link-local addresses: the traffic never leaves our switch.
        String ipA = "169.254.10.1";
        String ipB = "169.254.10.2";
        try (Backend backend = Backend.start(Backend.config(port(dir, "ga", macA, mtu, queues),
                port(dir, "gb", macB, mtu, queues)))) {
            try (QemuGuest.Running b = guest(dir, "gb", macB, ipB, ipA, "recv", mtu, queues).start();
                 QemuGuest.Running a = guest(dir, "ga", macA, ipA, ipB, "send", mtu, queues).start()) {
                QemuGuest.Result ra = a.await();
                QemuGuest.Result rb = b.await();
                ra.assertPassed();
                rb.assertPassed();
                String sent = md5(ra, "sent");
                String received = md5(rb, "received");
                assertEquals(sent, received, "the file arrived unchanged; ports: " + stats(backend, "ga") + " "
                        + stats(backend, "gb"));
                assertTrue(rb.console().contains("received 4194304 bytes"), rb.console());
                if (queues > 1) {
                    // The file starts from CPU 1, so from transmit queue 1 (XPS); what the kernel
                    // sends from its softirqs on CPU 0 leaves on queue 0. Both lanes carry the file.
                    JsonObject sa = stats(backend, "ga");
                    JsonObject sb = stats(backend, "gb");
                    assertTrue(counter(sa, 1, "bytes") + counter(sa, 3, "bytes") > 4194304, "the file: " + sa);
                    assertTrue(counter(sa, 3, "bytes") > 65536, "guest a sent on pair 1: " + sa);
                    assertTrue(counter(sb, 2, "bytes") > 65536, "guest b received on pair 1: " + sb);
                    assertTrue(counter(sa, 1, "requests") > 0 && counter(sb, 0, "requests") > 0,
                            "pair 0 carried frames too: " + sa + sb);
                }
            }
        }
    }

    static JsonObject stats(Backend backend, String id) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress(id), new JsonObject().put("action", "stats"))
                .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS).body();
    }

    static long counter(JsonObject stats, int index, String name) {
        var queues = stats.getJsonArray("queues");
        for (int i = 0; i < queues.size(); i++) {
            if (queues.getJsonObject(i).getInteger("index") == index) {
                return queues.getJsonObject(i).getLong(name, 0L);
            }
        }
        return 0;
    }

    static String md5(QemuGuest.Result r, String what) {
        Matcher m = Pattern.compile("VT-OK " + what + " .*md5 ([0-9a-f]{32})").matcher(r.console());
        assertTrue(m.find(), "no '" + what + "' line in\n" + r.console());
        return m.group(1);
    }
}
