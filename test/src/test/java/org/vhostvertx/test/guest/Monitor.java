package org.vhostvertx.test.guest;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** QEMU's human monitor (HMP) on a Unix socket: a command in, its text out. */
final class Monitor implements AutoCloseable {

    private final SocketChannel channel;

    private Monitor(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to the monitor QEMU serves at socket (-monitor unix:PATH,server=on,wait=off). */
    static Monitor connect(Path socket, Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                Monitor m = new Monitor(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
                m.readUntilPrompt();
                return m;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Runs command; returns what QEMU printed before its next prompt. */
    String run(String command) throws IOException {
        channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
        return readUntilPrompt();
    }

    /**
     * Migrates this QEMU's guest to the destination QEMU listening at socket (-incoming
     * unix:PATH) and polls until the migration completed; fails if it fails, is cancelled or takes
     * longer than maxWait (times the guests' timeout scale). Returns the last "info migrate" from its status on (times, pages, downtime).
     */
    String migrate(Path socket, Duration maxWait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + QemuGuest.scaled(maxWait).toNanos();
        // The destination QEMU may still be starting: its socket appears when it listens.
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the destination never listened on " + socket);
            }
            Thread.sleep(100);
        }
        String started = run("migrate -d unix:" + socket);
        if (started.toLowerCase().contains("error")) {
            throw new AssertionError("migrate refused: " + started);
        }
        while (true) {
            String status = run("info migrate");
            if (status.contains("Migration status: completed")) {
                // Without the echo of the command: QEMU's readline redraws it a key at a time.
                return status.substring(status.indexOf("Migration status:")).replace("(qemu) ", "").strip();
            }
            if (status.contains("Migration status: failed") || status.contains("Migration status: cancelled")
                    || System.nanoTime() > deadline) {
                throw new AssertionError("migration did not complete: " + status);
            }
            Thread.sleep(200);
        }
    }

    private String readUntilPrompt() throws IOException {
        StringBuilder out = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (!out.toString().endsWith("(qemu) ")) {
            buf.clear();
            if (channel.read(buf) < 0) {
                throw new IOException("monitor closed: " + out);
            }
            buf.flip();
            out.append(StandardCharsets.UTF_8.decode(buf));
        }
        return out.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
