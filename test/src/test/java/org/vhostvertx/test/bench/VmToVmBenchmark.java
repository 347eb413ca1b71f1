package org.vhostvertx.test.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.test.frontend.BackendProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Not a test: VM to VM through the back end. One testpmd on CPU 0 holds two virtio-user ports, on
 * sockets A and B, with io forwarding and tx_first, so frames go round: A, the back end, B, testpmd,
 * A again. The back end (CPU 1) is (a) ours, two net devices on our default switch, or (b) a second
 * testpmd with two vhost PMD ports, io forwarding between them. The rate is the sum of testpmd's
 * Rx-pps over its two ports: the frames the back end moves per second from one port to the other,
 * in both directions. One client, not two: two busy front ends do not fit on two CPUs.
 * Run with {@code bin/bench vm2vm [runs] [seconds] [sizes] [back ends]}.
 */
public final class VmToVmBenchmark {

    public static void main(String[] args) throws Exception {
        int runs = NetBenchmark.number(args, 0, 3);
        int seconds = NetBenchmark.number(args, 1, 6);
        int[] sizes = NetBenchmark.sizes(args, 2);
        // Optional, as for bin/bench net: the back ends, "ours", "dpdk", or a path to another build's
        // jar, each optionally followed by "@JVM options" (to compare two builds in one run).
        List<String> backEnds = args.length > 3 ? List.of(args[3].split(",")) : List.of("ours", "dpdk");
        Path work = Files.createTempDirectory("vhost-vm2vm-bench");
        Path a = work.resolve("a.sock");
        Path b = work.resolve("b.sock");
        Map<String, List<Double>> results = NetBenchmark.alternate(work, runs, sizes, backEnds,
                (who, run, size) -> {
                    Files.deleteIfExists(a);
                    Files.deleteIfExists(b);
                    String prefix = "m" + run + Math.abs(who.hashCode()) + size;
                    if (who.equals("dpdk")) {
                        try (DpdkTestpmd vhost = DpdkTestpmd.start(work.resolve("vhost.log"), "w" + run + size,
                                "0@1,1@1", DpdkTestpmd.vhost(a, b), List.of("--forward-mode=io"))) {
                            vhost.awaitSockets(a, b);
                            return client(work, a, b, size, seconds, prefix);
                        }
                    }
                    // No "port": a net device is a port of the switch "default".
                    JsonObject config = NetBenchmark.oursConfig(new JsonArray()
                            .add(new JsonObject().put("id", "a").put("type", "net").put("socket", a.toString()))
                            .add(new JsonObject().put("id", "b").put("type", "net").put("socket", b.toString())));
                    String[] build = who.split("@", 2);
                    Path jar = build[0].equals("ours") ? BackendProcess.jar() : Path.of(build[0]);
                    if (!build[0].equals("ours")) {
                        config.remove("console");
                    }
                    String options = build.length > 1 ? build[1] : System.getenv("BACKEND_JVM_OPTS");
                    try (BackendProcess backend = BackendProcess.start(jar, options, config, work, a)) {
                        BlkBenchmark.pin(backend.pid(), 1);
                        return client(work, a, b, size, seconds, prefix);
                    }
                });
        NetBenchmark.summary(results, sizes, runs);
        NetBenchmark.others(results);
    }

    /**
     * testpmd with virtio-user ports on a and b, io forwarding, tx_first; after the warm-up, the
     * median of its Rx-pps summed over both ports. Prints each port's median and the range of the
     * sums, so a port that receives nothing or a rate that drifts shows.
     */
    static double client(Path work, Path a, Path b, int size, int seconds, String prefix) throws Exception {
        List<double[]> rates = DpdkTestpmd.start(work.resolve(prefix + ".log"), prefix, "0@0,1@0",
                        DpdkTestpmd.virtioUser(a, b), List.of("--forward-mode=io", "--tx-first", "--txpkts=" + size))
                .measure(2, seconds);
        List<Double> sums = new ArrayList<>();
        List<Double> port0 = new ArrayList<>();
        List<Double> port1 = new ArrayList<>();
        for (double[] r : rates) {
            sums.add((r[0] + r[1]) / 1e6);
            port0.add(r[0] / 1e6);
            port1.add(r[1] / 1e6);
        }
        System.err.printf("      port 0 %.3f + port 1 %.3f Mpps; per printout %.3f..%.3f%n", BlkBenchmark.median(port0),
                BlkBenchmark.median(port1), BlkBenchmark.min(sums), BlkBenchmark.max(sums));
        return BlkBenchmark.median(sums);
    }
}
