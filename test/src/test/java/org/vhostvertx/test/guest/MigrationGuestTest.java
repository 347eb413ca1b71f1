package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A QEMU guest live-migrates to a second QEMU on this host while it reads its vhost-user-blk disk
 * into RAM and writes to it: the disk data our back end put into guest memory during the
 * migration arrives intact (only our dirty log can have carried it), and the writes made during
 * and after it are on the disk. Source and destination are two devices of one back end on one
 * image, the destination's without the image lock (shared on purpose).
 */
class MigrationGuestTest {

    static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    JsonObject disk(String id, Path image) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("image", image.toString()).put("size", SIZE);
    }

    @Test
    void blkGuestMigratesWhileReadingAndWriting() throws Exception {
        GuestRequirement.require();
        Path image = dir.resolve("disk.img");
        Path monitor = dir.resolve("monitor.sock");
        Path migration = dir.resolve("migration.sock");
        try (Backend backend = Backend.start(Backend.config(disk("src", image), disk("dst", image).put("locking", false)))) {
            QemuGuest.Builder source = QemuGuest.builder("migrate-blk-source")
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("src.sock"),
                            "-device", "vhost-user-blk-pci,chardev=c0,id=disk0,num-queues=1",
                            "-monitor", "unix:" + monitor + ",server=on,wait=off")
                    .script("migrate-blk").param("rounds", 40).timeout(Duration.ofSeconds(400));
            QemuGuest.Builder destination = QemuGuest.builder("migrate-blk-destination")
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("dst.sock"),
                            "-device", "vhost-user-blk-pci,chardev=c0,id=disk0,num-queues=1",
                            "-incoming", "unix:" + migration)
                    .script("migrate-blk").param("rounds", 40).timeout(Duration.ofSeconds(400));
            try (QemuGuest.Running src = source.start()) {
                assertTrue(src.waitForOutput("VT-READY migrate", QemuGuest.scaled(Duration.ofSeconds(180))),
                        "the guest never got ready:\n" + src.consoleSoFar());
                try (QemuGuest.Running dst = destination.start();
                     Monitor hmp = Monitor.connect(monitor, Duration.ofSeconds(30))) {
                    // Let a few rounds run first, so reads land in guest memory while pages are being sent.
                    assertTrue(src.waitForOutput("round 3 ok", QemuGuest.scaled(Duration.ofSeconds(120))),
                            src.consoleSoFar());
                    String started = hmp.run("migrate -d unix:" + migration);
                    assertTrue(!started.toLowerCase().contains("error"), started);
                    long deadline = System.nanoTime() + QemuGuest.scaled(Duration.ofSeconds(240)).toNanos();
                    String status = "";
                    while (!status.contains("Migration status: completed")) {
                        assertTrue(!status.contains("Migration status: failed") && System.nanoTime() < deadline,
                                "migration did not complete: " + status);
                        Thread.sleep(500);
                        status = hmp.run("info migrate");
                    }
                    QemuGuest.Result r = dst.await();
                    r.assertPassed();
                    assertTrue(r.console().contains("VT-INFO round 40 ok"), r.console());
                }
            }
        }
        byte[] counter = new byte[17];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(16L << 20);
            f.readFully(counter);
        }
        assertEquals("VT-ROUND 00000040", new String(counter, StandardCharsets.US_ASCII),
                "the last round's write, made on the destination, is on the disk");
    }
}
