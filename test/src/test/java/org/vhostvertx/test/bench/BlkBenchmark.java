package org.vhostvertx.test.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: our blk back end against qemu-storage-daemon, driven by the same Java front end, on
 * the same kind of image in /dev/shm, alternating, several runs; prints medians and ratios.
 *
 * <p>Run with {@code bin/bench blk [runs] [seconds]}. The back ends are pinned to CPU 1 and the
 * front end to CPU 0 (taskset), so each side has one core.
 */
public final class BlkBenchmark {

    record Workload(String name, boolean write, boolean sequential, int blockSize, int depth) {
    }

    static final List<Workload> WORKLOADS = List.of(
            new Workload("randread-4k-qd1", false, false, 4096, 1),
            new Workload("randwrite-4k-qd1", true, false, 4096, 1),
            new Workload("randread-4k-qd32", false, false, 4096, 32),
            new Workload("randwrite-4k-qd32", true, false, 4096, 32),
            new Workload("seqread-128k-qd8", false, true, 128 << 10, 8),
            new Workload("seqwrite-128k-qd8", true, true, 128 << 10, 8));

    static final long IMAGE = 256L << 20;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        Path work = Files.createTempDirectory(Path.of("/dev/shm"), "vhost-bench");
        Path oursImage = fill(work.resolve("ours.img"));
        Path qsdImage = fill(work.resolve("qsd.img"));
        // "ours" polls adaptively (the default); "ours-irq" is pure interrupt mode, like qsd.
        List<String> backends = List.of("ours", "ours-irq", "qsd");
        Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            List<String> order = new ArrayList<>(backends);
            java.util.Collections.rotate(order, run);
            for (String who : order) {
                Path socket = work.resolve(who + ".sock");
                Files.deleteIfExists(socket);
                try (AutoCloseable backend = switch (who) {
                    case "ours" -> startOurs(work, oursImage, socket, 50);
                    case "ours-irq" -> startOurs(work, oursImage, socket, 0);
                    default -> startQsd(qsdImage, socket);
                }) {
                    for (Workload w : WORKLOADS) {
                        double iops = measure(socket, w, seconds);
                        results.computeIfAbsent(who, k -> new LinkedHashMap<>())
                                .computeIfAbsent(w.name(), k -> new ArrayList<>()).add(iops);
                        System.err.printf("run %d %-8s %-18s %10.0f IOPS%n", run + 1, who, w.name(), iops);
                    }
                }
            }
        }
        System.out.printf("%n%-18s %10s %10s %10s %7s %7s %9s %9s   (median of %d runs; min..max)%n", "workload",
                "ours", "ours-irq", "qsd", "ratio", "irq/qsd", "ours MB/s", "qsd MB/s", runs);
        for (Workload w : WORKLOADS) {
            List<Double> o = results.get("ours").get(w.name());
            List<Double> i = results.get("ours-irq").get(w.name());
            List<Double> t = results.get("qsd").get(w.name());
            double mo = median(o);
            double mi = median(i);
            double mt = median(t);
            System.out.printf("%-18s %10.0f %10.0f %10.0f %7.2f %7.2f %9.1f %9.1f   ours %.0f..%.0f irq %.0f..%.0f"
                            + " qsd %.0f..%.0f%n", w.name(), mo, mi, mt, mo / mt, mi / mt, mo * w.blockSize() / 1e6,
                    mt * w.blockSize() / 1e6, min(o), max(o), min(i), max(i), min(t), max(t));
        }
        try (var files = Files.list(work)) {
            files.forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(work);
    }

    static Path fill(Path image) throws IOException {
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(chunk);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            for (long off = 0; off < IMAGE; off += chunk.length) {
                f.write(chunk);
            }
        }
        return image;
    }

    static AutoCloseable startOurs(Path work, Path image, Path socket, int pollMicros) throws Exception {
        JsonObject config = new JsonObject().put("workers", 1).put("pollMicros", pollMicros).put("statsMillis", 0)
                .put("devices", new JsonArray().add(new JsonObject().put("id", "bench").put("type", "blk")
                        .put("socket", socket.toString()).put("image", image.toString())));
        BackendProcess p = BackendProcess.start(config, work, socket);
        pin(p.pid(), 1);
        return p;
    }

    static AutoCloseable startQsd(Path image, Path socket) throws Exception {
        Process p = new ProcessBuilder("taskset", "-c", "1", "qemu-storage-daemon",
                "--blockdev", "driver=file,node-name=file0,filename=" + image + ",cache.direct=off",
                "--blockdev", "driver=raw,node-name=disk0,file=file0",
                "--export", "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=" + socket
                        + ",writable=on,num-queues=1").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("qemu-storage-daemon did not start");
            }
            Thread.sleep(20);
        }
        return () -> {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        };
    }

    /** Pins every thread of a process to one CPU. */
    static void pin(long pid, int cpu) throws Exception {
        new ProcessBuilder("taskset", "-a", "-p", "-c", String.valueOf(cpu), String.valueOf(pid))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** IOPS of one workload over seconds, after a short warm-up. */
    static double measure(Path socket, Workload w, double seconds) throws Exception {
        try (GuestRam ram = new GuestRam(0, 64 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueueSize(128))) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            SplittableRandom rnd = new SplittableRandom(42);
            long blocks = IMAGE / w.blockSize();
            long[] nextSeq = {0};
            List<BlkDriver.Slot> slots = new ArrayList<>();
            for (int i = 0; i < w.depth(); i++) {
                slots.add(blk.slot(w.blockSize()));
            }
            return new ClosedLoop<>(fe.queue(0), slots, s -> {
                long block = w.sequential() ? nextSeq[0]++ % blocks : rnd.nextLong(blocks);
                long sector = block * (w.blockSize() / 512);
                if (w.write()) {
                    blk.submitWrite(s, sector, w.blockSize());
                } else {
                    blk.submitRead(s, sector, w.blockSize());
                }
                return s.id;
            }, s -> s.status() == 0).run(seconds);
        }
    }

    static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
