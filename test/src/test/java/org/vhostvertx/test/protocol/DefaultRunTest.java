package org.vhostvertx.test.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's first command: the jar with no configuration serves a 1 GiB disk and says how to attach it. */
class DefaultRunTest {

    @TempDir
    Path dir;

    @Test
    void jarWithoutConfigurationServesTheDefaultDisk() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("out.log");
        Process p = new ProcessBuilder(java, "-jar", BackendProcess.jar().toString()).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path socket = dir.resolve("vhost-data/disk0.sock");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("vhost-user-blk-pci,chardev=disk0")) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "no QEMU options printed:\n" + Files.readString(log));
                Thread.sleep(50);
            }
            assertTrue(Files.readString(log).contains("path=" + socket.toAbsolutePath()), Files.readString(log));
            assertEquals(1L << 30, Files.size(dir.resolve("vhost-data/disk0.img")));
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                assertEquals(0, blk.read(blk.slot(4096), (1L << 30) / 512 - 8, 4096));
            }
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
