package org.vhostvertx.test.net;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.NetPort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A capture on a switch port holds what its guest sent and what the switch delivered to it, and nothing of the other port's. */
class SwitchCaptureTest {

    static final byte[] MAC_A = {0x52, 0x54, 0, 0, 0x0c, 0x0a};
    static final byte[] MAC_B = {0x52, 0x54, 0, 0, 0x0c, 0x0b};

    @TempDir
    Path dir;

    JsonObject port(String id) {
        return new JsonObject().put("id", id).put("type", "net").put("port", "switch").put("switch", "cap")
                .put("socket", dir.resolve(id + ".sock").toString()).put("captureDir", dir.resolve("pcap").toString());
    }

    static byte[] frame(byte[] dst, byte[] src, int length) {
        byte[] f = new byte[length];
        new Random(length).nextBytes(f);
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        return f;
    }

    @Test
    void bothDirectionsOfOnePortAreCaptured() throws Exception {
        try (Backend backend = Backend.start(Backend.config(port("ca"), port("cb")));
             GuestRam ramA = new GuestRam(0, 4 << 20);
             GuestRam ramB = new GuestRam(0, 4 << 20);
             FrontEnd feA = FrontEnd.start(dir.resolve("ca.sock"), ramA, FrontEnd.Options.split().withQueues(3));
             FrontEnd feB = FrontEnd.start(dir.resolve("cb.sock"), ramB, FrontEnd.Options.packedRing().withQueues(3))) {
            NetPort a = new NetPort(feA, MAC_A, 8);
            NetPort b = new NetPort(feB, MAC_B, 8);
            JsonObject started = backend.control("ca", new JsonObject().put("action", "capture").put("frames", 2));
            Path file = Path.of(started.getString("file"));
            assertEquals(dir.resolve("pcap"), file.getParent());

            byte[] toB = frame(MAC_B, MAC_A, 100);
            a.send(toB);
            assertArrayEquals(toB, b.receive());
            byte[] toA = frame(MAC_A, MAC_B, 1514);
            b.send(toA);
            assertArrayEquals(toA, a.receive());
            // A third frame after the capture's two: not in the file.
            a.send(frame(MAC_B, MAC_A, 300));
            b.receive();

            ReplyException over = assertThrows(ReplyException.class,
                    () -> backend.control("ca", new JsonObject().put("action", "capture-stop")));
            assertEquals("no capture runs", over.getMessage());
            List<byte[]> records = PcapRecords.of(Files.readAllBytes(file));
            assertEquals(2, records.size());
            assertArrayEquals(toB, records.get(0), "what port a's guest sent");
            assertArrayEquals(toA, records.get(1), "what the switch delivered to it");
            JsonObject info = backend.control("ca", new JsonObject().put("action", "stats")).getJsonObject("info");
            assertEquals("frames", info.getJsonObject("capture").getString("ended"), info.encode());
            assertTrue(backend.control("cb", new JsonObject().put("action", "stats")).getJsonObject("info")
                    .getJsonObject("capture") == null, "the other port captured nothing");
        }
    }
}
