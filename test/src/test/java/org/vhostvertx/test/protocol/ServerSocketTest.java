package org.vhostvertx.test.protocol;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.UnixSocket;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server mode: the socket file's permissions, a stale file replaced, a live one left alone. */
class ServerSocketTest {

    @TempDir
    Path dir;

    static JsonObject device(Path socket) {
        return new JsonObject().put("id", "d").put("type", "blk").put("socket", socket.toString())
                .put("ram", true).put("size", "1M");
    }

    @Test
    void socketIsPrivateUnlessConfigured() throws Exception {
        Path a = dir.resolve("a.sock");
        Path b = dir.resolve("sub/dir/b.sock");
        try (Backend backend = Backend.start(Backend.config(device(a),
                device(b).put("id", "e").put("socketPermissions", "rw-rw----")))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(b)));
        }
        assertTrue(Files.notExists(a), "the socket file is removed when the back end stops");
    }

    @Test
    void staleSocketFileIsReplaced() throws Exception {
        Path s = dir.resolve("stale.sock");
        UnixSocket.listen(s, 1).close(); // the file stays, nobody listens: what a crash leaves
        assertTrue(Files.exists(s));
        try (Backend backend = Backend.start(Backend.config(device(s)));
             GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.connect(s, ram, FrontEnd.Options.split())) {
            assertTrue(fe.features() != 0);
        }
    }

    @Test
    void liveSocketIsAnError() throws Exception {
        Path s = dir.resolve("live.sock");
        try (UnixSocket other = UnixSocket.listen(s, 1)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> Backend.start(Backend.config(device(s))));
            assertTrue(e.getCause().getMessage().contains("in use by a live process"), e.getCause().getMessage());
            assertTrue(Files.exists(s), "the other process's socket is untouched");
        }
    }
}
