package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The proof with an unmodified client: QEMU boots the Debian kernel through SeaBIOS, Linux's
 * virtio-blk driver uses our disk (split ring with 1 and 2 queues, packed ring, read-only), and
 * afterwards the image on the host holds what the guest wrote.
 */
class BlkGuestTest {

    static final long SIZE = 1L << 30;
    static final String MARK = "VHOST-VERTX-GUEST-MARK";

    @TempDir
    static Path dir;
    static Backend backend;

    @BeforeAll
    static void start() throws Exception {
        GuestRequirement.require();
        byte[] first = new byte[1 << 20];
        new Random(42).nextBytes(first);
        Path ro = dir.resolve("ro.img");
        Files.write(ro, first);
        try (RandomAccessFile f = new RandomAccessFile(ro.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        backend = Backend.start(Backend.config(
                disk("one", 1), disk("two", 2), disk("packed", 1),
                disk("client", 1).put("mode", "client").put("reconnectMillis", 50),
                new JsonObject().put("id", "ro").put("type", "blk").put("socket", dir.resolve("ro.sock").toString())
                        .put("image", ro.toString()).put("readOnly", true)));
    }

    static JsonObject disk(String id, int queues) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("image", dir.resolve(id + ".img").toString()).put("size", SIZE).put("queues", queues);
    }

    @AfterAll
    static void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    static QemuGuest.Builder guest(String name, String device, String deviceOptions) {
        return QemuGuest.builder("blk-" + name)
                .args("-chardev", "socket,id=c0,path=" + dir.resolve(device + ".sock"),
                        "-device", "vhost-user-blk-pci,chardev=c0," + deviceOptions);
    }

    /** The host-side check: the guest's last write is in the image file. */
    static void imageHoldsMarker(String device) throws IOException {
        byte[] tail = new byte[4096];
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(device + ".img").toFile(), "r")) {
            assertEquals(SIZE, f.length());
            f.seek(SIZE - 4096);
            f.readFully(tail);
        }
        byte[] expect = new byte[4096];
        byte[] mark = MARK.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(mark, 0, expect, 0, mark.length);
        assertArrayEquals(expect, tail, "marker at the end of " + device + ".img");
    }

    /** The filesystem the guest made is clean when the host checks the image. */
    static void hostFsckClean(String device) throws Exception {
        Path img = dir.resolve(device + ".img");
        Process p = new ProcessBuilder("/sbin/e2fsck", "-f", "-n", img.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "e2fsck on the host:\n" + out);
    }

    @Test
    void splitRingOneQueue() throws Exception {
        guest("one", "one", "num-queues=1").script("blk").param("size", SIZE).param("packed", 0).run().assertPassed();
        imageHoldsMarker("one");
        hostFsckClean("one");
    }

    @Test
    void splitRingTwoQueuesOnTwoCpus() throws Exception {
        guest("two", "two", "num-queues=2").smp(2).script("blk").param("size", SIZE).param("queues", 2)
                .run().assertPassed();
        imageHoldsMarker("two");
    }

    @Test
    void packedRing() throws Exception {
        guest("packed", "packed", "num-queues=1,packed=on").script("blk").param("size", SIZE).param("packed", 1)
                .run().assertPassed();
        imageHoldsMarker("packed");
        hostFsckClean("packed");
    }

    @Test
    void clientModeConnectsToQemusSocket() throws Exception {
        // QEMU listens (server=on) and waits in device realize until our back end connects to it.
        QemuGuest.builder("blk-client")
                .args("-chardev", "socket,id=c0,server=on,wait=off,path=" + dir.resolve("client.sock"),
                        "-device", "vhost-user-blk-pci,chardev=c0,num-queues=1")
                .script("blk").param("size", SIZE).run().assertPassed();
        imageHoldsMarker("client");
    }

    @Test
    void readOnlyDisk() throws Exception {
        byte[] first = new byte[1 << 20];
        new Random(42).nextBytes(first);
        String md5 = md5(first);
        guest("ro", "ro", "num-queues=1").script("blk-ro").param("size", 64L << 20).param("md5", md5)
                .run().assertPassed();
        byte[] now = Arrays.copyOf(Files.readAllBytes(dir.resolve("ro.img")), 1 << 20);
        assertArrayEquals(first, now, "the read-only image is unchanged");
    }

    static String md5(byte[] data) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("MD5").digest(data);
        StringBuilder sb = new StringBuilder();
        for (byte b : d) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }
}
