package org.vhostvertx.test.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: the round trip of one cache line between CPU 0 and CPU 1, measured by two processes
 * pinned one to each, bouncing a counter in shared memory. On this machine the two virtual CPUs
 * sometimes share a core complex (fast) and sometimes do not (several times slower), and a
 * ring-to-ring loopback moves with it; the benchmark prints this next to each run.
 */
public final class CoreLatency {

    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();
    private static final int ROUNDS = 200_000;

    /** Nanoseconds per round trip between CPU 0 and CPU 1 (median of three tries). */
    static double measure(Path work) throws Exception {
        Path file = work.resolve("core-latency");
        Files.write(file, new byte[4096]);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process pong = new ProcessBuilder("taskset", "-c", "1", java, "-cp", cp, CoreLatency.class.getName(), "pong",
                file.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Process ping = new ProcessBuilder("taskset", "-c", "0", java, "-cp", cp, CoreLatency.class.getName(), "ping",
                    file.toString()).redirectErrorStream(true).start();
            String out = new String(ping.getInputStream().readAllBytes()).trim();
            if (!ping.waitFor(60, TimeUnit.SECONDS) || ping.exitValue() != 0) {
                throw new IOException("core latency probe failed: " + out);
            }
            return Double.parseDouble(out);
        } finally {
            pong.destroyForcibly();
            pong.waitFor(10, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel ch = FileChannel.open(Path.of(args[1]), StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment line = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
            if (args[0].equals("pong")) {
                long seen = 0;
                while (true) {
                    long v = (long) WORD.getVolatile(line, 0L);
                    if (v != seen && (v & 1) == 1) {
                        WORD.setVolatile(line, 0L, v + 1);
                        seen = v + 1;
                    }
                }
            }
            List<Double> tries = new ArrayList<>();
            long v = 0;
            for (int t = 0; t < 4; t++) {
                long start = System.nanoTime();
                for (int i = 0; i < ROUNDS; i++) {
                    WORD.setVolatile(line, 0L, v + 1);
                    while ((long) WORD.getVolatile(line, 0L) != v + 2) {
                        Thread.onSpinWait();
                    }
                    v += 2;
                }
                tries.add((System.nanoTime() - start) / (double) ROUNDS);
            }
            // The first try warms up the JIT.
            System.out.println(BlkBenchmark.median(tries.subList(1, tries.size())));
        }
    }
}
