package org.vhostvertx.test.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.ScsiDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Not a test: our scsi device against our blk device on the same image file, same back-end
 * process, same Java front end, alternating, several runs; prints medians and scsi/blk.
 * Run with {@code bin/bench scsi [runs] [seconds]}.
 */
public final class ScsiBenchmark {

    record Workload(String name, boolean write, int depth) {
    }

    static final List<Workload> WORKLOADS = List.of(
            new Workload("randread-4k-qd1", false, 1),
            new Workload("randwrite-4k-qd1", true, 1),
            new Workload("randread-4k-qd32", false, 32),
            new Workload("randwrite-4k-qd32", true, 32));

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        Path work = Files.createTempDirectory(Path.of("/dev/shm"), "vhost-bench");
        Path image = BlkBenchmark.fill(work.resolve("disk.img"));
        JsonObject config = new JsonObject().put("workers", 1).put("pollMicros", 0).put("statsMillis", 0)
                .put("devices", new JsonArray()
                        .add(new JsonObject().put("id", "blk").put("type", "blk")
                                .put("socket", work.resolve("blk.sock").toString()).put("image", image.toString())
                                // One image behind both devices on purpose, used by one at a time.
                                .put("locking", false))
                        .add(new JsonObject().put("id", "scsi").put("type", "scsi")
                                .put("socket", work.resolve("scsi.sock").toString())
                                .put("luns", new JsonArray().add(new JsonObject().put("image", image.toString())
                                        .put("locking", false)))));
        Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
        try (BackendProcess backend = BackendProcess.start(config, work, work.resolve("scsi.sock"))) {
            BlkBenchmark.pin(backend.pid(), 1);
            for (int run = 0; run < runs; run++) {
                for (String who : run % 2 == 0 ? List.of("blk", "scsi") : List.of("scsi", "blk")) {
                    for (Workload w : WORKLOADS) {
                        double iops = who.equals("blk") ? blk(work.resolve("blk.sock"), w, seconds)
                                : scsi(work.resolve("scsi.sock"), w, seconds);
                        results.computeIfAbsent(who, k -> new LinkedHashMap<>())
                                .computeIfAbsent(w.name(), k -> new ArrayList<>()).add(iops);
                        System.err.printf("run %d %-4s %-18s %10.0f IOPS%n", run + 1, who, w.name(), iops);
                    }
                }
            }
        }
        System.out.printf("%n%-18s %10s %10s %10s   (median of %d runs; min..max)%n", "workload", "scsi", "blk",
                "scsi/blk", runs);
        for (Workload w : WORKLOADS) {
            List<Double> s = results.get("scsi").get(w.name());
            List<Double> b = results.get("blk").get(w.name());
            System.out.printf("%-18s %10.0f %10.0f %10.2f   scsi %.0f..%.0f blk %.0f..%.0f%n", w.name(),
                    BlkBenchmark.median(s), BlkBenchmark.median(b), BlkBenchmark.median(s) / BlkBenchmark.median(b),
                    BlkBenchmark.min(s), BlkBenchmark.max(s), BlkBenchmark.min(b), BlkBenchmark.max(b));
        }
        try (var files = Files.list(work)) {
            files.forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(work);
    }

    static double blk(Path socket, Workload w, double seconds) throws Exception {
        try (GuestRam ram = new GuestRam(0, 16 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueueSize(128))) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            SplittableRandom rnd = new SplittableRandom(42);
            List<BlkDriver.Slot> slots = new ArrayList<>();
            for (int i = 0; i < w.depth(); i++) {
                slots.add(blk.slot(4096));
            }
            return new ClosedLoop<>(fe.queue(0), slots, s -> {
                long sector = rnd.nextLong(BlkBenchmark.IMAGE / 4096) * 8;
                if (w.write()) {
                    blk.submitWrite(s, sector, 4096);
                } else {
                    blk.submitRead(s, sector, 4096);
                }
                return s.id;
            }, s -> s.status() == 0).run(seconds);
        }
    }

    static double scsi(Path socket, Workload w, double seconds) throws Exception {
        try (GuestRam ram = new GuestRam(0, 16 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueueSize(128).withQueues(3))) {
            ScsiDriver scsi = new ScsiDriver(fe.queue(2), ram, 4096);
            // The first commands after a (re)connection collect the reset unit attention.
            for (int i = 0; i < 4 && scsi.command(ScsiDriver.lun(0), new byte[6], new byte[0], 0).status() != 0; i++) {
                continue;
            }
            SplittableRandom rnd = new SplittableRandom(42);
            List<ScsiDriver.Slot> slots = new ArrayList<>();
            for (int i = 0; i < w.depth(); i++) {
                slots.add(scsi.slot(4096));
            }
            return new ClosedLoop<>(fe.queue(2), slots, s -> {
                scsi.submit(s, w.write(), rnd.nextLong(BlkBenchmark.IMAGE / 4096) * 8, 4096);
                return s.id;
            }, ScsiDriver.Slot::good).run(seconds);
        }
    }
}
