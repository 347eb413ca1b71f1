package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * vhost-user-scsi-pci with Linux's virtio_scsi and sd drivers, through SeaBIOS: two LUNs with their
 * identity and size, a read-only one, a LUN added while the guest runs (then resized and removed),
 * and LUN 0's data and filesystem on the host afterwards.
 */
class ScsiGuestTest {

    static final long SIZE0 = 256L << 20;
    static final long SIZE1 = 64L << 20;
    static final long SIZE2 = 32L << 20;

    @TempDir
    Path dir;

    JsonObject control(Backend backend, JsonObject request) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress("scsi0"), request)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }

    @Test
    void linuxSeesOurLunsAndTheirChanges() throws Exception {
        GuestRequirement.require();
        Path lun0 = dir.resolve("lun0.img");
        Path lun1 = dir.resolve("lun1.img");
        byte[] first = new byte[1 << 20];
        new Random(7).nextBytes(first);
        Files.write(lun1, first);
        try (RandomAccessFile f = new RandomAccessFile(lun1.toFile(), "rw")) {
            f.setLength(SIZE1);
        }
        JsonObject device = new JsonObject().put("id", "scsi0").put("type", "scsi")
                .put("socket", dir.resolve("scsi.sock").toString())
                .put("luns", new JsonArray()
                        .add(new JsonObject().put("image", lun0.toString()).put("size", SIZE0)
                                .put("vendor", "VHOSTVX").put("product", "TESTDISK0"))
                        .add(new JsonObject().put("image", lun1.toString()).put("readOnly", true)
                                .put("vendor", "VHOSTVX").put("product", "TESTDISK1")));
        try (Backend backend = Backend.start(Backend.config(device))) {
            QemuGuest.Builder guest = QemuGuest.builder("scsi")
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("scsi.sock"),
                            "-device", "vhost-user-scsi-pci,chardev=c0,num_queues=1")
                    .script("scsi").param("size0", SIZE0).param("size1", SIZE1).param("vendor", "VHOSTVX")
                    .param("model0", "TESTDISK0").param("model1", "TESTDISK1").param("hotplug", 1)
                    .param("size2", SIZE2).param("size2b", 2 * SIZE2)
                    .param("md5", BlkGuestTest.md5(first));
            try (QemuGuest.Running running = guest.start()) {
                Duration wait = QemuGuest.scaled(Duration.ofSeconds(120));
                assertTrue(running.waitForOutput("VT-READY hotplug", wait), "guest never got to the hotplug step:\n"
                        + running.consoleSoFar());
                assertEquals(2, control(backend, new JsonObject().put("action", "lun-add")
                        .put("image", dir.resolve("lun2.img").toString()).put("size", SIZE2)
                        .put("vendor", "VHOSTVX").put("product", "HOTPLUG")).getInteger("lun"));
                assertTrue(running.waitForOutput("VT-READY resize", wait), running.consoleSoFar());
                control(backend, new JsonObject().put("action", "lun-resize").put("lun", 2).put("size", 2 * SIZE2));
                assertTrue(running.waitForOutput("VT-READY unplug", wait), running.consoleSoFar());
                control(backend, new JsonObject().put("action", "lun-remove").put("lun", 2));
                running.await().assertPassed();
            }
        }
        byte[] tail = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(lun0.toFile(), "r")) {
            f.seek(SIZE0 - 4096);
            f.readFully(tail);
        }
        byte[] expect = new byte[4096];
        byte[] mark = BlkGuestTest.MARK.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(mark, 0, expect, 0, mark.length);
        assertArrayEquals(expect, tail, "the guest's marker at the end of LUN 0's image");
        Process p = new ProcessBuilder("/sbin/e2fsck", "-f", "-n", lun0.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "e2fsck on the host:\n" + out);
        assertArrayEquals(first, java.util.Arrays.copyOf(Files.readAllBytes(lun1), 1 << 20), "read-only LUN unchanged");
    }
}
