package org.vhostvertx.test.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.test.frontend.BackendProcess;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: the DPDK virtio-user loopback. testpmd with a virtio-user port (io forwarding,
 * tx_first) against (a) our reflect port and (b) testpmd's own vhost PMD in macswap mode, at 64 and
 * 1518 bytes, alternating, several runs. The client runs on CPU 0, the back end on CPU 1.
 * Run with {@code bin/bench net [runs] [seconds]}.
 */
public final class NetBenchmark {

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        // Optional: only these frame sizes and back ends, e.g. "64" "ours" while profiling; a back
        // end given as a path to a jar is another build of ours, and "@options" after either adds
        // JVM options (to compare two builds or settings in one run).
        int[] sizes = args.length > 2 ? java.util.Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{64, 1518};
        List<String> backEnds = args.length > 3 ? List.of(args[3].split(",")) : List.of("ours", "dpdk");
        Path work = Files.createTempDirectory("vhost-net-bench");
        Map<String, List<Double>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            for (int size : sizes) {
                for (String who : run % 2 == 0 ? backEnds : backEnds.reversed()) {
                    Path socket = work.resolve((who.equals("dpdk") ? "dpdk" : "ours") + ".sock");
                    Files.deleteIfExists(socket);
                    double mpps;
                    double rttBefore = CoreLatency.measure(work);
                    if (!who.equals("dpdk")) {
                        JsonObject config = new JsonObject().put("workers", 1).put("pollMicros", 1_000_000)
                                .put("statsMillis", 0).put("devices", new JsonArray().add(new JsonObject()
                                        .put("id", "reflect").put("type", "net").put("port", "reflect")
                                        .put("socket", socket.toString())));
                        // "ours", "ours+console", or "path/to/other.jar", optionally followed by "@JVM options".
                        String[] build = who.split("@", 2);
                        boolean ours = build[0].equals("ours") || build[0].equals("ours+console");
                        boolean console = build[0].equals("ours+console");
                        Path jar = ours ? BackendProcess.jar() : Path.of(build[0]);
                        if (console) {
                            // The console on, stats every second, and a browser showing them (on CPU 0, with the client).
                            config.put("statsMillis", 1000).put("console", new JsonObject().put("port", CONSOLE_PORT)
                                    .put("token", CONSOLE_TOKEN));
                        } else if (ours) {
                            config.put("console", new JsonObject().put("enabled", false));
                        }
                        String options = build.length > 1 ? build[1] : System.getenv("BACKEND_JVM_OPTS");
                        try (BackendProcess backend = BackendProcess.start(jar, options, config, work, socket);
                             Browser browser = console ? Browser.open(work, CONSOLE_PORT, CONSOLE_TOKEN) : null) {
                            BlkBenchmark.pin(backend.pid(), 1);
                            mpps = client(work, socket, size, seconds, "c" + run + Math.abs(who.hashCode()) + size);
                        }
                    } else {
                        Process vhost = testpmd(work.resolve("vhost.log"), "v" + run + size, "0@1,1@1",
                                "net_vhost0,iface=" + socket + ",queues=1", List.of("--forward-mode=macswap"));
                        try {
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                                Thread.sleep(20);
                            }
                            mpps = client(work, socket, size, seconds, "c" + run + Math.abs(who.hashCode()) + size);
                        } finally {
                            stop(vhost);
                        }
                    }
                    results.computeIfAbsent(who + "-" + size, k -> new ArrayList<>()).add(mpps);
                    // Where the two virtual CPUs sit now decides much of the rate: print it along.
                    double rttAfter = CoreLatency.measure(work);
                    System.err.printf("run %d %-4s %4d bytes %7.3f Mpps   (CPU 0<->1 round trip %.0f ns before, %.0f after)%n",
                            run + 1, who, size, mpps, rttBefore, rttAfter);
                }
            }
        }
        System.out.printf("%n%-6s %10s %10s %8s   (median of %d runs; min..max)%n", "bytes", "ours Mpps", "DPDK Mpps",
                "ratio", runs);
        for (int size : sizes) {
            List<Double> o = results.getOrDefault("ours-" + size, List.of(Double.NaN));
            List<Double> d = results.getOrDefault("dpdk-" + size, List.of(Double.NaN));
            System.out.printf("%-6d %10.3f %10.3f %8.2f   ours %.3f..%.3f dpdk %.3f..%.3f%n", size,
                    BlkBenchmark.median(o), BlkBenchmark.median(d), BlkBenchmark.median(o) / BlkBenchmark.median(d),
                    BlkBenchmark.min(o), BlkBenchmark.max(o), BlkBenchmark.min(d), BlkBenchmark.max(d));
        }
        results.forEach((k, v) -> {
            if (!k.startsWith("ours-") && !k.startsWith("dpdk-")) {
                System.out.printf("%s: median %.3f Mpps (%.3f..%.3f)%n", k, BlkBenchmark.median(v),
                        BlkBenchmark.min(v), BlkBenchmark.max(v));
            }
        });
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

    static Process testpmd(Path log, String prefix, String lcores, String vdev, List<String> app) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("dpdk-testpmd", "--no-pci", "--single-file-segments",
                "--file-prefix=" + prefix, "-m", "256", "--lcores", lcores, "--vdev", vdev, "--"));
        cmd.addAll(app);
        cmd.addAll(List.of("--auto-start", "--nb-cores=1", "--stats-period=1"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The virtio-user client: io forwarding with tx_first; the median of its per-second Rx-pps after 2 s. */
    static double client(Path work, Path socket, int size, int seconds, String prefix) throws Exception {
        Path log = work.resolve(prefix + ".log");
        Process p = testpmd(log, prefix, "0@0,1@0", "net_virtio_user0,path=" + socket + ",queues=1,queue_size=1024",
                List.of("--forward-mode=io", "--tx-first", "--txpkts=" + size));
        try {
            Thread.sleep(seconds * 1000L);
        } finally {
            stop(p);
        }
        Matcher m = Pattern.compile("Rx-pps:\\s+(\\d+)").matcher(Files.readString(log));
        List<Double> pps = new ArrayList<>();
        while (m.find()) {
            pps.add(Double.parseDouble(m.group(1)));
        }
        if (pps.size() < 4) {
            throw new IOException("testpmd printed too few rates:\n" + Files.readString(log));
        }
        return BlkBenchmark.median(pps.subList(2, pps.size())) / 1e6;
    }

    static void stop(Process p) throws Exception {
        try (OutputStream in = p.getOutputStream()) {
            in.write('\n');
        } catch (IOException gone) {
            // already ended
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.list(Path.of("/dev/hugepages"))) {
            files.filter(f -> !f.getFileName().toString().startsWith("rtemap")).forEach(f -> f.toFile().delete());
        }
    }
}
