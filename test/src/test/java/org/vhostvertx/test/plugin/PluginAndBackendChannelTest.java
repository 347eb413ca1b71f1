package org.vhostvertx.test.plugin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.*;

/**
 * A device type from another jar is served like ours; and a config-space change reaches the front
 * end as CONFIG_CHANGE_MSG on the back-end channel (BACKEND_REQ).
 */
class PluginAndBackendChannelTest {

    @TempDir
    Path dir;

    @Test
    void thirdPartyDeviceServesAndAnnouncesConfigChanges() throws Exception {
        Path socket = dir.resolve("echo.sock");
        try (Backend backend = Backend.start(Backend.config(new JsonObject().put("id", "e").put("type", "echo")
                .put("socket", socket.toString())));
             GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.connect(socket, ram, FrontEnd.Options.split());
             Arena arena = Arena.ofConfined()) {
            // The back-end channel: one end to the back end, we keep the other.
            int[] pair = Linux.socketpair();
            int ours = pair[0];
            int theirs = pair[1];
            fe.client().send(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK | FrontEnd.P_CONFIG | (1L << 5)));
            assertEquals(0, fe.client().sendAcked(SET_BACKEND_REQ_FD, new byte[0], theirs));
            Linux.close(theirs);
            fe.startQueues();

            byte[] hello = "hello, plugin".getBytes();
            long in = ram.alloc(64, 8);
            long out = ram.alloc(64, 8);
            ram.write(in, hello);
            int id = fe.queue(0).ring.add(DriverRing.Buf.in(in, hello.length), DriverRing.Buf.out(out, 64));
            fe.queue(0).kickIfNeeded();
            DriverRing.Used u = fe.queue(0).awaitUsed(10_000);
            assertEquals(id, u.id());
            assertEquals(hello.length, u.len());
            assertArrayEquals(hello, ram.read(out, hello.length));

            ByteBuffer set = ByteBuffer.allocate(12 + 4).order(ByteOrder.LITTLE_ENDIAN).putInt(2).putInt(4).putInt(0)
                    .put(new byte[]{1, 2, 3, 4});
            assertEquals(0, fe.client().sendAcked(SET_CONFIG, set.array()));
            assertArrayEquals(new byte[]{0, 0, 1, 2, 3, 4, 0, 0}, fe.config(0, 8));

            try (UnixSocket channel = UnixSocket.adopt(ours)) {
                MemorySegment header = arena.allocate(12);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                long n;
                while ((n = channel.receive(header, 12, new int[1], 0)) == -Linux.EAGAIN) {
                    assertTrue(System.nanoTime() < deadline, "no CONFIG_CHANGE_MSG within 10 s");
                    Thread.sleep(10);
                }
                assertEquals(12, n);
                assertEquals(2, header.get(ValueLayout.JAVA_INT, 0), "VHOST_USER_BACKEND_CONFIG_CHANGE_MSG");
                assertEquals(0, header.get(ValueLayout.JAVA_INT, 8), "no payload");
            }
        }
    }
}
