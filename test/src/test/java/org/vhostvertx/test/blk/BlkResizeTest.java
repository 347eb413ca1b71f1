package org.vhostvertx.test.blk;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.SET_BACKEND_REQ_FD;
import static org.vhostvertx.test.frontend.VhostUserClient.SET_PROTOCOL_FEATURES;
import static org.vhostvertx.test.frontend.VhostUserClient.u64;

/**
 * The blk "resize" action grows a disk under a running driver: the image grows, the config space's
 * capacity follows, the driver is told with CONFIG_CHANGE_MSG on the back-end channel, and requests
 * beyond the old end are served. A disk does not shrink, and a read-only one keeps its size.
 */
class BlkResizeTest {

    static final long P_BACKEND_REQ = 1L << 5;
    static final int BACKEND_CONFIG_CHANGE_MSG = 2;

    @TempDir
    Path dir;

    static long capacity(FrontEnd fe) throws Exception {
        return ByteBuffer.wrap(fe.config(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static JsonObject resize(Object size) {
        return new JsonObject().put("action", "resize").put("size", size);
    }

    /** Waits up to 10 s for one message on the back-end channel and returns its request code. */
    static int receiveBackendRequest(UnixSocket channel, Arena arena) throws Exception {
        MemorySegment header = arena.allocate(12);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        while ((n = channel.receive(header, 12, new int[1], 0)) == -Linux.EAGAIN) {
            assertTrue(System.nanoTime() < deadline, "no message on the back-end channel within 10 s");
            Thread.sleep(10);
        }
        assertEquals(12, n);
        assertEquals(0, header.get(ValueLayout.JAVA_INT, 8), "no payload");
        return header.get(ValueLayout.JAVA_INT, 0);
    }

    @Test
    void aGrownDiskIsAnnouncedAndServedToItsNewEnd() throws Exception {
        Path image = dir.resolve("d.img");
        Path socket = dir.resolve("d.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "d").put("type", "blk")
                .put("socket", socket.toString()).put("image", image.toString()).put("size", "1M")));
             GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.connect(socket, ram, FrontEnd.Options.split());
             Arena arena = Arena.ofConfined()) {
            List<JsonObject> events = backend.published("vhost.events");
            int[] pair = Linux.socketpair();
            fe.client().send(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK | FrontEnd.P_CONFIG | P_BACKEND_REQ));
            assertEquals(0, fe.client().sendAcked(SET_BACKEND_REQ_FD, new byte[0], pair[1]));
            Linux.close(pair[1]);
            fe.startQueues();
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);

            assertEquals(2048, capacity(fe), "1 MiB in sectors");
            assertEquals(1, blk.read(s, 2048, 4096), "beyond the end: VIRTIO_BLK_S_IOERR");

            assertEquals(new JsonObject().put("size", 2L << 20), backend.control("d", resize("2M")));
            try (UnixSocket channel = UnixSocket.adopt(pair[0])) {
                assertEquals(BACKEND_CONFIG_CHANGE_MSG, receiveBackendRequest(channel, arena));
            }
            assertEquals(4096, capacity(fe), "2 MiB in sectors");
            assertEquals(2L << 20, Files.size(image), "the image grew");
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x5a);
            assertEquals(0, blk.write(s, 4096 - 8, data), "the new last 4 KiB");
            assertEquals(0, blk.read(s, 4096 - 8, 4096));
            assertArrayEquals(data, blk.data(s, 4096));
            assertEquals(1, blk.read(s, 4096, 512), "the new end is the end");
            assertEquals(2L << 20, backend.control("d", new JsonObject().put("action", "stats"))
                    .getJsonObject("info").getLong("size"));
            JsonObject changed = Backend.awaitOne(events,
                    e -> e.getString("event").equals("config-changed"), "config-changed event");
            assertEquals(Backend.NODE, changed.getString("node"));
            Backend.awaitOne(events, e -> e.getString("event").equals("action")
                    && e.getString("action").equals("resize"), "the resize action event");

            ReplyException shrink = assertThrows(ReplyException.class, () -> backend.control("d", resize("1M")));
            assertEquals(400, shrink.failureCode());
            assertEquals("\"size\" 1048576 is below the disk's current 2097152 bytes; a disk does not shrink under"
                    + " its driver", shrink.getMessage());
            ReplyException odd = assertThrows(ReplyException.class, () -> backend.control("d", resize(3_000_000)));
            assertEquals(400, odd.failureCode());
            assertEquals("\"size\" must be a positive multiple of 512 bytes, was 3000000", odd.getMessage());
            assertEquals(4096, capacity(fe), "refusals change nothing");
            assertEquals(2L << 20, Files.size(image));
        }
    }

    @Test
    void aReadOnlyDiskKeepsItsSize() throws Exception {
        Path image = dir.resolve("ro.img");
        Files.write(image, new byte[1 << 20]);
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "ro").put("type", "blk")
                .put("socket", dir.resolve("ro.sock").toString()).put("image", image.toString())
                .put("readOnly", true)))) {
            ReplyException e = assertThrows(ReplyException.class, () -> backend.control("ro", resize("2M")));
            assertEquals(400, e.failureCode());
            assertEquals("the disk is read-only; its size cannot change", e.getMessage());
            assertEquals(1 << 20, Files.size(image));
        }
    }
}
