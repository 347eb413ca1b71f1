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
import java.util.stream.Stream;

/**
 * Not a test: our blk back end against qemu-storage-daemon, driven by the same Java front end, on
 * the same kind of image, alternating, several runs; prints medians and ratios. Images live in
 * /dev/shm ("shm") and on the root file system with O_DIRECT ("disk").
 *
 * <p>Run with {@code bin/bench blk [runs] [seconds] [shm,disk] [other builds]}. The back ends are
 * pinned to CPU 1 and the front end to CPU 0 (taskset), so each side has one core. Other builds
 * (jar paths, each optionally followed by "@JVM options", comma-separated) run as more back ends,
 * configured as ours polls in each place, to compare builds in one run.
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

    static final double WARM_UP_SECONDS = 1;

    /**
     * Where the images live and who serves them there. In /dev/shm (tmpfs has no O_DIRECT) qsd runs
     * with its defaults and tuned (an iothread, aio=io_uring); on a file of the root file system we
     * run with {@code "direct": true} and qsd tuned with cache.direct=on.
     */
    record Place(String name, Path dir, List<String> backEnds) {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        String where = args.length > 2 ? args[2] : "shm,disk";
        List<String> builds = args.length > 3 ? List.of(args[3].split(",")) : List.of();
        List<Place> places = new ArrayList<>();
        for (String name : where.split(",")) {
            places.add(switch (name) {
                // "ours" polls adaptively (the default); "ours-irq" is pure interrupt mode, like qsd.
                case "shm" -> new Place(name, Path.of("/dev/shm"), withBuilds(List.of("ours", "ours-irq", "qsd", "qsd-tuned"), builds));
                case "disk" -> new Place(name, Path.of("/var/tmp"), withFio(withBuilds(
                        List.of("ours-direct", "ours-direct-irq", "qsd-tuned-direct"), builds)));
                default -> throw new IllegalArgumentException("place " + name + ": shm or disk");
            });
        }
        for (Place place : places) {
            run(place, runs, seconds, builds);
        }
    }

    /** backEnds and then the other builds. */
    static List<String> withBuilds(List<String> backEnds, List<String> builds) {
        List<String> all = new ArrayList<>(backEnds);
        all.addAll(builds);
        return all;
    }

    /**
     * With fio installed, the disk place also measures fio itself (io_uring, O_DIRECT, pinned to
     * CPU 1, no vhost-user at all): what the disk gives one CPU, so a ratio can be judged against
     * the most either back end could reach.
     */
    static List<String> withFio(List<String> backEnds) {
        boolean fio = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "fio")));
        if (!fio) {
            System.err.println("fio is not installed: the disk's own rate (fio-direct) is left out");
            return backEnds;
        }
        List<String> all = new ArrayList<>(backEnds);
        all.add("fio-direct");
        return all;
    }

    static void run(Place place, int runs, double seconds, List<String> builds) throws Exception {
        Path work = Files.createTempDirectory(place.dir(), "vhost-bench");
        Path oursImage = fill(work.resolve("ours.img"));
        Path qsdImage = fill(work.resolve("qsd.img"));
        Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            List<String> order = new ArrayList<>(place.backEnds());
            java.util.Collections.rotate(order, run);
            for (int b = 0; b < order.size(); b++) {
                String who = order.get(b);
                Path socket = work.resolve("backend" + b + ".sock");
                Files.deleteIfExists(socket);
                boolean disk = place.name().equals("disk");
                try (AutoCloseable backend = builds.contains(who) ? startBuild(who, work, oursImage, socket, disk) : switch (who) {
                    case "ours" -> startOurs(work, oursImage, socket, 50, false);
                    case "ours-irq" -> startOurs(work, oursImage, socket, 0, false);
                    case "ours-direct" -> startOurs(work, oursImage, socket, 50, true);
                    case "ours-direct-irq" -> startOurs(work, oursImage, socket, 0, true);
                    case "qsd" -> startQsd(qsdImage, socket, "cache.direct=off", false);
                    case "qsd-tuned" -> startQsd(qsdImage, socket, "cache.direct=off,aio=io_uring", true);
                    case "qsd-tuned-direct" -> startQsd(qsdImage, socket, "cache.direct=on,aio=io_uring", true);
                    case "fio-direct" -> () -> { };
                    default -> throw new IllegalArgumentException(who);
                }) {
                    if (!who.startsWith("fio")) {
                        // Every workload once, unmeasured: our JIT compiles the paths they take (a
                        // disk at QD1 does 5000 requests a second, so C1 and C2 were still at work,
                        // on the back end's CPU, for the first seconds measured).
                        for (Workload w : WORKLOADS) {
                            measure(socket, w, WARM_UP_SECONDS);
                        }
                    }
                    for (Workload w : WORKLOADS) {
                        double iops = who.equals("fio-direct") ? fio(qsdImage, w, seconds) : measure(socket, w, seconds);
                        results.computeIfAbsent(who, k -> new LinkedHashMap<>())
                                .computeIfAbsent(w.name(), k -> new ArrayList<>()).add(iops);
                        System.err.printf("%s run %d %-16s %-18s %10.0f IOPS%n", place.name(), run + 1, who, w.name(), iops);
                    }
                }
            }
        }
        // The first back end is ours; the ratios are against every qsd.
        List<String> names = place.backEnds();
        String ours = names.getFirst();
        System.out.printf("%n%s (%s): IOPS, median of %d runs (min..max); ratio = %s / qsd%n", place.name(), work, runs, ours);
        StringBuilder head = new StringBuilder(String.format("%-18s", "workload"));
        for (String n : names) {
            head.append(String.format(" %24s", n));
        }
        for (String n : names) {
            if (n.startsWith("qsd") || n.startsWith("fio")) {
                head.append(String.format(" %18s", ours + "/" + n));
            }
        }
        System.out.println(head);
        for (Workload w : WORKLOADS) {
            StringBuilder line = new StringBuilder(String.format("%-18s", w.name()));
            for (String n : names) {
                List<Double> v = results.get(n).get(w.name());
                line.append(String.format(" %8.0f (%6.0f..%6.0f)", median(v), min(v), max(v)));
            }
            double mo = median(results.get(ours).get(w.name()));
            for (String n : names) {
                if (n.startsWith("qsd") || n.startsWith("fio")) {
                    line.append(String.format(" %18.2f", mo / median(results.get(n).get(w.name()))));
                }
            }
            System.out.println(line);
        }
        try (var files = Files.list(work)) {
            files.forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(work);
    }

    static Path fill(Path image) throws IOException, InterruptedException {
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(1).nextBytes(chunk);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            for (long off = 0; off < IMAGE; off += chunk.length) {
                f.write(chunk);
            }
            f.getFD().sync();
        }
        // Out of the host's page cache too: an O_DIRECT request on a range with cached pages (dirty
        // ones above all) cannot be done without waiting, so io_uring hands it to a kernel thread,
        // which cost the back end that ran first ~2 ms a request, as long as writeback took.
        Process dd = new ProcessBuilder("dd", "if=/dev/null", "of=" + image, "oflag=nocache", "conv=notrunc,fdatasync",
                "count=0").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (dd.waitFor() != 0) {
            throw new IOException("dd could not drop " + image + " from the page cache");
        }
        return image;
    }

    static AutoCloseable startOurs(Path work, Path image, Path socket, int pollMicros, boolean direct) throws Exception {
        BackendProcess p = BackendProcess.start(oursConfig(image, socket, pollMicros, direct), work, socket);
        pin(p.pid(), 1);
        return p;
    }

    /** Another build of ours ("jar" or "jar@JVM options"), polling as "ours" does, direct on the disk. */
    static AutoCloseable startBuild(String build, Path work, Path image, Path socket, boolean direct) throws Exception {
        String[] parts = build.split("@", 2);
        BackendProcess p = BackendProcess.start(Path.of(parts[0]), parts.length > 1 ? parts[1] : null,
                oursConfig(image, socket, 50, direct), work, socket);
        pin(p.pid(), 1);
        return p;
    }

    static JsonObject oursConfig(Path image, Path socket, int pollMicros, boolean direct) {
        JsonObject device = new JsonObject().put("id", "bench").put("type", "blk")
                .put("socket", socket.toString()).put("image", image.toString());
        if (direct) {
            device.put("direct", true);
        }
        return new JsonObject().put("workers", 1).put("pollMicros", pollMicros).put("statsMillis", 0)
                .put("devices", new JsonArray().add(device));
    }

    /** qemu-storage-daemon; tuned, the export runs on an iothread of its own. */
    static AutoCloseable startQsd(Path image, Path socket, String fileOptions, boolean iothread) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "1", "qemu-storage-daemon"));
        if (iothread) {
            cmd.addAll(List.of("--object", "iothread,id=io0"));
        }
        cmd.addAll(List.of("--blockdev", "driver=file,node-name=file0,filename=" + image + "," + fileOptions,
                "--blockdev", "driver=raw,node-name=disk0,file=file0",
                "--export", "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=" + socket
                        + ",writable=on,num-queues=1" + (iothread ? ",iothread=io0" : "")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("qemu-storage-daemon did not start: " + cmd);
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

    /** IOPS of fio running the workload on image itself (O_DIRECT, io_uring), pinned to CPU 1. */
    static double fio(Path image, Workload w, double seconds) throws Exception {
        String rw = (w.sequential() ? "" : "rand") + (w.write() ? "write" : "read");
        Process p = new ProcessBuilder("taskset", "-c", "1", "fio", "--name=bench", "--filename=" + image,
                "--rw=" + rw, "--bs=" + w.blockSize(), "--iodepth=" + w.depth(), "--direct=1",
                "--ioengine=io_uring", "--runtime=" + Math.max(1, Math.round(seconds)), "--time_based",
                "--ramp_time=1", "--output-format=terse").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IOException("fio failed on " + image + ": " + out);
        }
        // Terse output, version 3: read IOPS is the 8th field, write IOPS the 49th.
        String[] f = out.split(";");
        return Double.parseDouble(f[w.write() ? 48 : 7]);
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
