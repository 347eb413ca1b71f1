package org.vhostvertx.test.protocol;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Client mode: the front end listens (as QEMU does with server=on), the back end connects, and it
 * connects again whenever the front end goes away, or was not there yet.
 */
class ClientModeTest {

    @TempDir
    Path dir;

    static UnixSocket acceptWithin(UnixSocket listener, long millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            UnixSocket s = listener.accept();
            if (s != null) {
                return s;
            }
            Thread.sleep(10);
        }
        throw new IOException("the back end did not connect within " + millis + " ms");
    }

    static void roundTrip(UnixSocket s, byte fill) throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(VhostUserClient.over(s), ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot slot = blk.slot(4096);
            byte[] data = new byte[4096];
            java.util.Arrays.fill(data, fill);
            assertEquals(0, blk.write(slot, 16, data));
            assertEquals(0, blk.read(slot, 16, 4096));
            assertArrayEquals(data, blk.data(slot, 4096));
        }
    }

    @Test
    void connectsWhenTheFrontEndAppearsAndReconnectsAfterItLeaves() throws Exception {
        Path socket = dir.resolve("qemu.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "c").put("type", "blk")
                .put("socket", socket.toString()).put("mode", "client").put("reconnectMillis", 20)
                .put("ram", true).put("size", "1M")))) {
            // Nobody listens yet: the back end keeps trying.
            Thread.sleep(300);
            try (UnixSocket listener = UnixSocket.listen(socket, 4)) {
                roundTrip(acceptWithin(listener, 10_000), (byte) 1);
                // The front end went away (QEMU restarted): the back end comes back by itself.
                roundTrip(acceptWithin(listener, 10_000), (byte) 2);
                roundTrip(acceptWithin(listener, 10_000), (byte) 3);
            }
        }
    }
}
