package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blk "resize" action with an unmodified client: while Linux runs on our disk, the host grows
 * it; QEMU hears of it (CONFIG_CHANGE_MSG), reads the new capacity from us and interrupts the
 * guest, and Linux's virtio-blk driver shows the new size and writes at its new end.
 */
class BlkResizeGuestTest {

    static final long SIZE = 64L << 20;
    static final long SIZE2 = 96L << 20;

    @TempDir
    Path dir;

    @Test
    void linuxSeesTheDiskGrow() throws Exception {
        GuestRequirement.require();
        Path image = dir.resolve("grow.img");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "grow").put("type", "blk")
                .put("socket", dir.resolve("grow.sock").toString()).put("image", image.toString())
                .put("size", SIZE)))) {
            QemuGuest.Builder guest = QemuGuest.builder("blk-resize")
                    .args("-chardev", "socket,id=c0,path=" + dir.resolve("grow.sock"),
                            "-device", "vhost-user-blk-pci,chardev=c0,num-queues=1")
                    .script("blk-resize").param("size", SIZE).param("size2", SIZE2);
            try (QemuGuest.Running running = guest.start()) {
                assertTrue(running.waitForOutput("VT-READY resize", Duration.ofSeconds(120)),
                        "the guest never got to the resize step:\n" + running.consoleSoFar());
                assertEquals(new JsonObject().put("size", SIZE2), backend.control("grow",
                        new JsonObject().put("action", "resize").put("size", "96M")));
                running.await().assertPassed();
            }
        }
        byte[] tail = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            assertEquals(SIZE2, f.length(), "the image grew");
            f.seek(SIZE2 - 4096);
            f.readFully(tail);
        }
        byte[] expect = new byte[4096];
        byte[] mark = BlkGuestTest.MARK.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(mark, 0, expect, 0, mark.length);
        assertArrayEquals(expect, tail, "the guest's marker in the grown image's last 4 KiB");
    }
}
