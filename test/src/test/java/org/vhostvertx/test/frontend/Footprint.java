package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a back end holds, as the kill tests compare it exactly: open descriptors, threads, the
 * mappings that are shared or of a file, and of those the guest memory of one name. Every mapping
 * a back end makes of what a front end sends (guest memory, the inflight buffer, a dirty log) is
 * shared or of a file; its anonymous private ones are the JVM's heap, code cache, metaspace and
 * malloc arenas, whose number of lines moves as they grow, so they are left out.
 */
public record Footprint(long fds, long threads, long sharedOrFileMappings, long guestMappings) {

    /**
     * JVM options for a back end whose footprint is compared: the JIT and the GC otherwise start and
     * stop threads as they like, and a fixed heap size keeps the heap's mappings from changing.
     */
    public static final List<String> STEADY_JVM = List.of("-XX:-UseDynamicNumberOfCompilerThreads",
            "-XX:-UseDynamicNumberOfGCThreads", "-Xms128m", "-Xmx128m");

    /** Now, with guest memory counted by its memfd's name. */
    public static Footprint of(ProcessResources proc, String guestMemfd) throws IOException {
        return new Footprint(proc.openFds(), proc.threads(), proc.sharedOrFileMappings(), proc.mappings(guestMemfd));
    }

    /**
     * Polls until the back end holds target (it notices a dead peer asynchronously) or the time is
     * up, and returns what it holds then.
     */
    public static Footprint settle(ProcessResources proc, String guestMemfd, Footprint target, long seconds)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Footprint now = of(proc, guestMemfd);
        while (!now.equals(target) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = of(proc, guestMemfd);
        }
        return now;
    }

    /**
     * Asserts that after the front ends are gone the back end holds exactly what it held before
     * (descriptors, shared or file mappings, threads), no guest memory, and a heap after a full GC
     * at most toleranceKiB above before's.
     */
    public void assertGivenBack(Footprint before, long heapBeforeKiB, long heapAfterKiB, long toleranceKiB,
                                String after) {
        assertEquals(before.fds(), fds, "open descriptors after " + after);
        assertEquals(before.sharedOrFileMappings(), sharedOrFileMappings, "shared and file mappings after " + after);
        assertEquals(0, guestMappings, "guest memory mapped after " + after);
        assertEquals(before.threads(), threads, "threads after " + after);
        assertTrue(heapAfterKiB <= heapBeforeKiB + toleranceKiB,
                "heap after GC: " + heapAfterKiB + " KiB after " + after + ", " + heapBeforeKiB + " KiB before");
    }
}
