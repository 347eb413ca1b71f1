package org.vhostvertx.test.blk;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.RealClients;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image we serve for writing is locked the way QEMU locks images: QEMU (qemu-io) cannot open it
 * for writing meanwhile, we cannot open one QEMU writes, and a second device of ours on it is
 * refused at start naming the image.
 */
class ImageLockTest {

    @TempDir
    Path dir;

    static JsonObject disk(String id, Path dir, Path image) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("image", image.toString()).put("size", "4M");
    }

    static void requireQemuIo() {
        RealClients.require("qemu-io", Files.isExecutable(Path.of("/usr/bin/qemu-io")) ? null
                : "/usr/bin/qemu-io not found (install qemu-utils)");
    }

    static int qemuIo(Path image, String command) throws Exception {
        Process p = new ProcessBuilder("qemu-io", "-f", "raw", "-c", command, image.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    @Test
    void qemuCannotWriteAnImageWeServeAndASecondDeviceOfOursIsRefused() throws Exception {
        requireQemuIo();
        Path image = dir.resolve("disk.img");
        try (Backend backend = Backend.start(Backend.config(disk("d0", dir, image)))) {
            assertNotEquals(0, qemuIo(image, "write 0 512"), "QEMU got the write lock of an image we serve");
            assertEquals(0, qemuIoReadOnly(image), "a reader shares it");
            Exception refused = assertThrows(Exception.class,
                    () -> Backend.start(Backend.config(disk("d1", dir, image))).close());
            assertTrue(String.valueOf(refused.getMessage()).contains(image.toString()), refused.getMessage());
            // Shared on purpose: starts.
            Backend.start(Backend.config(disk("d2", dir, image).put("locking", false))).close();
        }
        assertEquals(0, qemuIo(image, "write 0 512"), "free once our device is gone");
    }

    static int qemuIoReadOnly(Path image) throws Exception {
        Process p = new ProcessBuilder("qemu-io", "-r", "-f", "raw", "-c", "read 0 512", image.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    @Test
    void weCannotServeForWritingAnImageQemuWrites() throws Exception {
        requireQemuIo();
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4 << 20]);
        // qemu-io keeps the image open (and its write lock) while its command input stays open.
        Process qemu = new ProcessBuilder("qemu-io", "-f", "raw", image.toString()).redirectErrorStream(true).start();
        try (OutputStream in = qemu.getOutputStream()) {
            in.write("write 0 512\n".getBytes());
            in.flush();
            // Once the write is done QEMU has the image open with its locks.
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(qemu.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.contains("wrote 512/512")) {
                assertTrue(qemu.isAlive(), "qemu-io ended: " + line);
            }
            Exception refused = assertThrows(Exception.class, () -> Backend.start(Backend.config(disk("d0", dir, image))).close(),
                    "our device started on an image QEMU writes");
            assertTrue(String.valueOf(refused.getMessage()).contains(image.toString()), refused.getMessage());
        } finally {
            qemu.destroy();
            qemu.waitFor(10, TimeUnit.SECONDS);
        }
        Backend.start(Backend.config(disk("d0", dir, image))).close();
    }
}
