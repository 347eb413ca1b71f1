package org.vhostvertx.test.guest;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        start(socket, maxWait);
        return awaitCompleted(maxWait);
    }

    /**
     * Starts migrating to socket with a downtime limit of 1 ms, which keeps QEMU iterating while the
     * guest writes memory, and returns once QEMU has sent the whole guest RAM once and synchronised
     * the dirty bitmap again (dirty sync count 2 or more): from then on a page written into guest
     * memory reaches the destination only if it is marked dirty. The caller holds the migration
     * there (stopping the destination, so the stream stalls) and lets it go with {@link #release}.
     */
    void startIterating(Path socket, Duration maxWait) throws IOException, InterruptedException {
        setParameter("downtime-limit 1");
        start(socket, maxWait);
        long deadline = System.nanoTime() + QemuGuest.scaled(maxWait).toNanos();
        while (true) {
            String status = run("info migrate");
            Matcher sync = DIRTY_SYNC.matcher(status);
            if (status.contains("Migration status: active") && sync.find() && Integer.parseInt(sync.group(1)) >= 2) {
                return;
            }
            if (!status.contains("Migration status: active") && !status.contains("Migration status: setup")
                    || System.nanoTime() > deadline) {
                throw new AssertionError("the migration is not iterating: " + status);
            }
            Thread.sleep(20);
        }
    }

    /** Whether the migration still iterates (neither completed nor failed). */
    boolean active() throws IOException {
        return run("info migrate").contains("Migration status: active");
    }

    /** Lets a migration started by {@link #startIterating} complete, and polls until it has; returns as {@link #migrate}. */
    String release(Duration maxWait) throws IOException, InterruptedException {
        setParameter("downtime-limit 300");
        return awaitCompleted(maxWait);
    }

    private static final Pattern DIRTY_SYNC = Pattern.compile("dirty sync count: (\\d+)");

    private void setParameter(String parameterAndValue) throws IOException {
        String out = run("migrate_set_parameter " + parameterAndValue);
        if (out.toLowerCase().contains("error")) {
            throw new AssertionError("migrate_set_parameter " + parameterAndValue + ": " + out);
        }
    }

    private void start(Path socket, Duration maxWait) throws IOException, InterruptedException {
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
    }

    private String awaitCompleted(Duration maxWait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + QemuGuest.scaled(maxWait).toNanos();
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
