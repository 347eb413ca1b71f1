package org.vhostvertx.test.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.test.frontend.BackendProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: the DPDK virtio-user loopback. testpmd with a virtio-user port (io forwarding,
 * tx_first) against (a) our reflect port and (b) testpmd's own vhost PMD in macswap mode, at 64 and
 * 1518 bytes, alternating, several runs. The client runs on CPU 0, the back end on CPU 1.
 * Run with {@code bin/bench net [runs] [seconds]}.
 */
public final class NetBenchmark {

    public static void main(String[] args) throws Exception {
        int runs = number(args, 0, 3);
        int seconds = number(args, 1, 6);
        // Optional: only these frame sizes and back ends, e.g. "64" "ours" while profiling; a back
        // end given as a path to a jar is another build of ours, and "@options" after either adds
        // JVM options (to compare two builds or settings in one run).
        int[] sizes = sizes(args, 2);
        List<String> backEnds = args.length > 3 ? List.of(args[3].split(",")) : List.of("ours", "dpdk");
        Path work = Files.createTempDirectory("vhost-net-bench");
        Map<String, List<Double>> results = alternate(work, runs, sizes, backEnds, (who, run, size) -> {
            String prefix = "c" + run + Math.abs(who.hashCode()) + size;
            Path socket = work.resolve((who.equals("dpdk") ? "dpdk" : "ours") + ".sock");
            Files.deleteIfExists(socket);
            if (who.equals("dpdk")) {
                try (DpdkTestpmd vhost = DpdkTestpmd.start(work.resolve("vhost.log"), "v" + run + size, "0@1,1@1",
                        DpdkTestpmd.vhost(socket), List.of("--forward-mode=macswap"))) {
                    vhost.awaitSockets(socket);
                    return client(work, socket, size, seconds, prefix);
                }
            }
            JsonObject config = oursConfig(new JsonArray().add(new JsonObject()
                    .put("id", "reflect").put("type", "net").put("port", "reflect").put("socket", socket.toString())));
            // "ours", "ours+console", or "path/to/other.jar", optionally followed by "@JVM options".
            String[] build = who.split("@", 2);
            boolean ours = build[0].equals("ours") || build[0].equals("ours+console");
            boolean console = build[0].equals("ours+console");
            Path jar = ours ? BackendProcess.jar() : Path.of(build[0]);
            if (console) {
                // The console on, stats every second, and a browser showing them (on CPU 0, with the client).
                config.put("statsMillis", 1000).put("console", new JsonObject().put("port", CONSOLE_PORT)
                        .put("token", CONSOLE_TOKEN));
            } else if (!ours) {
                config.remove("console");
            }
            String options = build.length > 1 ? build[1] : System.getenv("BACKEND_JVM_OPTS");
            try (BackendProcess backend = BackendProcess.start(jar, options, config, work, socket);
                 Browser browser = console ? Browser.open(work, CONSOLE_PORT, CONSOLE_TOKEN) : null) {
                BlkBenchmark.pin(backend.pid(), 1);
                return client(work, socket, size, seconds, prefix);
            }
        });
        summary(results, sizes, runs);
        others(results);
    }

    /** Argument i as a number, or else. */
    static int number(String[] args, int i, int orElse) {
        return args.length > i ? Integer.parseInt(args[i]) : orElse;
    }

    /** Argument i as frame sizes ("64,1518"), by default 64 and 1518. */
    static int[] sizes(String[] args, int i) {
        return args.length > i ? java.util.Arrays.stream(args[i].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{64, 1518};
    }

    /** One run of one back end at one frame size: its rate in Mpps. */
    interface Run {
        double mpps(String who, int run, int size) throws Exception;
    }

    /**
     * Every run, every size, the back ends in turn (reversed on odd runs), each run printed with the
     * CPU 0&lt;-&gt;1 round trip before and after; the rates by "who-size".
     */
    static Map<String, List<Double>> alternate(Path work, int runs, int[] sizes, List<String> backEnds, Run measure)
            throws Exception {
        Map<String, List<Double>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (int size : sizes) {
                for (String who : run % 2 == 0 ? backEnds : backEnds.reversed()) {
                    double rttBefore = CoreLatency.measure(work);
                    double mpps = measure.mpps(who, run, size);
                    results.computeIfAbsent(who + "-" + size, k -> new ArrayList<>()).add(mpps);
                    // Where the two virtual CPUs sit now decides much of the rate: print it along.
                    double rttAfter = CoreLatency.measure(work);
                    if (rttBefore < NEAR_NANOS && rttAfter < NEAR_NANOS) {
                        results.computeIfAbsent(who + "-" + size + NEAR, k -> new ArrayList<>()).add(mpps);
                    }
                    System.err.printf("run %d %-4s %4d bytes %7.3f Mpps   (CPU 0<->1 round trip %.0f ns before, %.0f after)%n",
                            run + 1, who, size, mpps, rttBefore, rttAfter);
                }
            }
        }
        return results;
    }

    /**
     * A run counts as one with the two CPUs near each other (sharing a core complex) when the round
     * trip was below this before and after it; apart, it is 400 ns and more here.
     */
    static final double NEAR_NANOS = 200;
    /** The suffix of a result key that holds only the runs with the CPUs near each other. */
    static final String NEAR = " (CPUs near)";

    /**
     * The medians of "ours-SIZE" and "dpdk-SIZE", their ratio, and their ranges; then the same over
     * the runs with the CPUs near each other only, which compare builds without the placement's
     * several-fold swings (as long as each side had some).
     */
    static void summary(Map<String, List<Double>> results, int[] sizes, int runs) {
        System.out.printf("%n%-6s %10s %10s %8s   (median of %d runs; min..max)%n", "bytes", "ours Mpps", "DPDK Mpps",
                "ratio", runs);
        for (int size : sizes) {
            List<Double> o = results.getOrDefault("ours-" + size, List.of(Double.NaN));
            List<Double> d = results.getOrDefault("dpdk-" + size, List.of(Double.NaN));
            System.out.printf("%-6d %10.3f %10.3f %8.2f   ours %.3f..%.3f dpdk %.3f..%.3f%n", size,
                    BlkBenchmark.median(o), BlkBenchmark.median(d), BlkBenchmark.median(o) / BlkBenchmark.median(d),
                    BlkBenchmark.min(o), BlkBenchmark.max(o), BlkBenchmark.min(d), BlkBenchmark.max(d));
        }
        System.out.printf("%n%-6s %10s %10s %8s   (median of the runs with the CPUs near, round trip < %.0f ns; how many)%n",
                "bytes", "ours Mpps", "DPDK Mpps", "ratio", NEAR_NANOS);
        for (int size : sizes) {
            List<Double> o = results.getOrDefault("ours-" + size + NEAR, List.of());
            List<Double> d = results.getOrDefault("dpdk-" + size + NEAR, List.of());
            double om = o.isEmpty() ? Double.NaN : BlkBenchmark.median(o);
            double dm = d.isEmpty() ? Double.NaN : BlkBenchmark.median(d);
            System.out.printf("%-6d %10.3f %10.3f %8.2f   ours %d runs, dpdk %d runs%n", size, om, dm, om / dm,
                    o.size(), d.size());
        }
    }

    /** The median and range of every other back end (another build, other JVM options), all runs and near runs. */
    static void others(Map<String, List<Double>> results) {
        results.forEach((k, v) -> {
            if (!k.startsWith("ours-") && !k.startsWith("dpdk-")) {
                System.out.printf("%s: median %.3f Mpps (%.3f..%.3f, %d runs)%n", k, BlkBenchmark.median(v),
                        BlkBenchmark.min(v), BlkBenchmark.max(v), v.size());
            }
        });
    }

    /** Our back end's configuration for a benchmark: one worker, no stats, the console off. */
    static JsonObject oursConfig(JsonArray devices) {
        return new JsonObject().put("workers", 1).put("pollMicros", 1_000_000).put("statsMillis", 0)
                .put("console", new JsonObject().put("enabled", false)).put("devices", devices);
    }

    static final int CONSOLE_PORT = 18080;
    static final String CONSOLE_TOKEN = "benchmark-console-token";

    /** Headless chromium with the console page open, pinned to CPU 0. */
    record Browser(Process process) implements AutoCloseable {
        static Browser open(Path work, int port, String token) throws IOException {
            Process p = new ProcessBuilder("taskset", "-c", "0", "chromium", "--headless=new", "--no-sandbox",
                    "--disable-gpu", "--user-data-dir=" + work.resolve("chromium"), "--remote-debugging-port=0",
                    "http://127.0.0.1:" + port + "/#token=" + token)
                    .redirectErrorStream(true).redirectOutput(work.resolve("chromium.log").toFile()).start();
            return new Browser(p);
        }

        @Override
        public void close() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** The virtio-user client: io forwarding with tx_first; the median of its Rx-pps after the warm-up. */
    static double client(Path work, Path socket, int size, int seconds, String prefix) throws Exception {
        List<Double> pps = DpdkTestpmd.start(work.resolve(prefix + ".log"), prefix, "0@0,1@0",
                        DpdkTestpmd.virtioUser(socket), List.of("--forward-mode=io", "--tx-first", "--txpkts=" + size))
                .measure(1, seconds).stream().map(r -> r[0]).toList();
        return BlkBenchmark.median(pps) / 1e6;
    }
}
