package org.vhostvertx.test.restart;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.DeviceKind;
import org.vhostvertx.test.frontend.GuestConnection;
import org.vhostvertx.test.frontend.ProcessResources;
import org.vhostvertx.test.frontend.Signals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our front end, as a process of its own ({@link LoadedFrontEnd}), is SIGKILLed again and again
 * while it keeps I/O in flight on a blk device, a scsi device and a net reflect port of one
 * back-end process. Afterwards the back end holds exactly the descriptors, mappings and threads it
 * held before the loop (no guest memory mapped), its heap after a full GC is within a small
 * tolerance of what it was, and it serves a fresh front end.
 * <p>
 * Rounds: {@code -DfrontEndKills=N}, 20 by default (about half a minute); the full count is
 * {@code mvn -o -B verify -pl test -am -Dtest=FrontEndKillTest -DfrontEndKills=100 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class FrontEndKillTest {

    static final int KILLS = Integer.getInteger("frontEndKills", 20);
    /** Rounds before the baseline: the JVM commits some memory (code, heap regions, class data) at first use only. */
    static final int WARM_UP = 2;
    /** Heap that may differ after a full GC without being a leak: caches, the console's latest stats. */
    static final long HEAP_TOLERANCE_KIB = 1024;
    static final long SETTLE_SECONDS = 60;

    /**
     * The back end's JVM with its own thread pools fixed, so that a thread count says something
     * about our threads: the JIT and the GC otherwise start and stop threads as they like. A fixed
     * heap size keeps the heap's mappings from changing with its size.
     */
    static final List<String> BACKEND_JVM = List.of("-XX:-UseDynamicNumberOfCompilerThreads",
            "-XX:-UseDynamicNumberOfGCThreads", "-Xms128m", "-Xmx128m");

    @TempDir
    Path dir;

    /**
     * What the back end holds, as the test compares it exactly. Of its mappings, those that are
     * shared or of a file: every mapping the back end makes of what a front end sends (guest
     * memory, the inflight buffer, a dirty log) is one. Its anonymous private ones are the JVM's
     * heap, code cache, metaspace and malloc arenas, whose number of lines moves as they grow; the
     * total is printed, not compared.
     */
    record Held(long fds, long threads, long sharedOrFileMappings, long guestMappings) {
    }

    static Held held(ProcessResources proc) throws IOException {
        return new Held(proc.openFds(), proc.threads(), proc.sharedOrFileMappings(), proc.mappings("test-guest-ram"));
    }

    @Test
    void theBackEndGivesBackEverythingItsKilledFrontEndsHeld() throws Exception {
        DeviceKind[] kinds = {DeviceKind.BLK, DeviceKind.SCSI, DeviceKind.REFLECT};
        Path[] sockets = new Path[kinds.length];
        JsonArray entries = new JsonArray();
        for (int i = 0; i < kinds.length; i++) {
            sockets[i] = dir.resolve(kinds[i].name().toLowerCase() + ".sock");
            entries.add(kinds[i].entry(kinds[i].name().toLowerCase(), sockets[i]));
        }
        JsonObject config = new JsonObject().put("node", "kills").put("console", new JsonObject().put("port", 0))
                .put("devices", entries);
        try (BackendProcess backend = BackendProcess.start(BackendProcess.jar(), BACKEND_JVM, config, List.of(), dir)) {
            ProcessResources proc = new ProcessResources(backend.pid());
            // The first jcmd starts the JVM's attach listener (a thread and a socket) for good.
            proc.heapUsedAfterGcKiB();
            Held idle = held(proc);
            Random random = new Random(11);
            for (int round = 0; round < WARM_UP; round++) {
                killMidIo(proc, sockets, random);
            }
            Held warm = settle(proc, idle, "warm-up");
            assertEquals(idle.fds(), warm.fds(), "descriptors after the warm-up rounds");
            assertEquals(idle.threads(), warm.threads(), "threads after the warm-up rounds");
            assertEquals(0, warm.guestMappings(), "guest memory mapped after the warm-up rounds");
            long heapBefore = proc.heapUsedAfterGcKiB();
            Held before = held(proc);
            long mapsBefore = proc.mappings();

            long t0 = System.nanoTime();
            for (int round = 0; round < KILLS; round++) {
                killMidIo(proc, sockets, random);
            }
            long loopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Held after = settle(proc, before, "the loop");
            long heapAfter = proc.heapUsedAfterGcKiB();
            System.out.printf("front-end kills: %d rounds in %d ms; before %s, %d maps lines in all, heap after GC %d KiB; "
                    + "after %s, %d maps lines in all, heap after GC %d KiB%n",
                    KILLS, loopMillis, before, mapsBefore, heapBefore, after, proc.mappings(), heapAfter);

            assertEquals(before.fds(), after.fds(), "open descriptors after " + KILLS + " kills");
            assertEquals(before.sharedOrFileMappings(), after.sharedOrFileMappings(),
                    "shared and file mappings after " + KILLS + " kills");
            assertEquals(0, after.guestMappings(), "guest memory mapped after " + KILLS + " kills");
            assertEquals(before.threads(), after.threads(), "threads after " + KILLS + " kills");
            assertTrue(heapAfter <= heapBefore + HEAP_TOLERANCE_KIB,
                    "heap after GC: " + heapAfter + " KiB after " + KILLS + " kills, " + heapBefore + " KiB before");
            assertTrue(backend.alive(), "the back end survived");

            for (int i = 0; i < kinds.length; i++) {
                try (GuestConnection c = GuestConnection.open(sockets[i], kinds[i].queues())) {
                    kinds[i].io(c, i, LoadedFrontEnd.DEPTH).batch(KILLS);
                }
            }
            assertEquals(before, settle(proc, before, "a fresh front end"),
                    "what the back end holds after a fresh front end left");
        }
    }

    /**
     * Starts our front end as a process on the three sockets, waits until I/O runs on every device,
     * lets it run a random few milliseconds more (so that the kill lands anywhere in a batch) and
     * SIGKILLs it while requests are in flight.
     */
    void killMidIo(ProcessResources backend, Path[] sockets, Random random) throws Exception {
        Path log = dir.resolve("front-end.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                LoadedFrontEnd.class.getName(), sockets[0].toString(), sockets[1].toString(), sockets[2].toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains(LoadedFrontEnd.RUNNING)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("the front end did not get its I/O running:\n" + Files.readString(log));
                }
                Thread.sleep(10);
            }
            Thread.sleep(random.nextInt(30));
            assertTrue(p.isAlive(), "the front end failed on its own:\n" + Files.readString(log));
            // What the loop must see given back: the back end maps each connection's guest memory.
            assertEquals(sockets.length, backend.mappings("test-guest-ram"), "guest memory the back end maps");
            Signals.send(p.pid(), Signals.SIGKILL);
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Polls until the back end holds what target says (it notices a dead peer asynchronously), at most 60 s. */
    static Held settle(ProcessResources proc, Held target, String after) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        Held now = held(proc);
        while (!now.equals(target) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = held(proc);
        }
        return now;
    }
}
