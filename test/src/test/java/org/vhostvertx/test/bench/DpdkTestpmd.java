package org.vhostvertx.test.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: dpdk-testpmd as the benchmarks run it (no PCI, one file of hugepages, 256 MiB, one
 * forwarding core, --stats-period=1), either side of a vhost-user socket. Closing it ends it
 * and removes its hugepage files.
 */
record DpdkTestpmd(Process process, String prefix, Path log) implements AutoCloseable {

    /** testpmd on these lcores (e.g. "0@0,1@0") with these --vdev ports and application arguments. */
    static DpdkTestpmd start(Path log, String prefix, String lcores, List<String> vdevs, List<String> app)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("dpdk-testpmd", "--no-pci", "--single-file-segments",
                "--file-prefix=" + prefix, "-m", "256", "--lcores", lcores));
        for (String vdev : vdevs) {
            cmd.addAll(List.of("--vdev", vdev));
        }
        cmd.add("--");
        cmd.addAll(app);
        cmd.addAll(List.of("--auto-start", "--nb-cores=1", "--stats-period=1"));
        return new DpdkTestpmd(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(),
                prefix, log);
    }

    /**
     * The virtio-user ports, one per socket, each with one queue pair of 1024 entries; packed rings
     * when the environment has BENCH_RING=packed, split ones otherwise.
     */
    static List<String> virtioUser(Path... sockets) {
        String ring = "packed".equals(System.getenv("BENCH_RING")) ? ",packed_vq=1" : "";
        List<String> vdevs = new ArrayList<>();
        for (int i = 0; i < sockets.length; i++) {
            vdevs.add("net_virtio_user" + i + ",path=" + sockets[i] + ",queues=1,queue_size=1024" + ring);
        }
        return vdevs;
    }

    /** The vhost PMD ports, one per socket, each creating its socket. */
    static List<String> vhost(Path... sockets) {
        List<String> vdevs = new ArrayList<>();
        for (int i = 0; i < sockets.length; i++) {
            vdevs.add("net_vhost" + i + ",iface=" + sockets[i] + ",queues=1");
        }
        return vdevs;
    }

    /** Waits up to 20 s until testpmd's vhost PMD has created every socket. */
    void awaitSockets(Path... sockets) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (Path socket : sockets) {
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
    }

    /**
     * Lets testpmd forward for a warm-up of at least 2 s, then measures for seconds and ends it;
     * returns the per-port Rx-pps of each printout whose interval lies in the measurement. Each
     * printout's rate covers the time since the previous one (on this machine testpmd prints about
     * every 2 s with --stats-period=1), so the measurement starts at the first printout after the
     * warm-up.
     */
    List<double[]> measure(int ports, int seconds) throws Exception {
        int start;
        try {
            awaitPrintout(ports, 0);
            Thread.sleep(2000);
            start = awaitPrintout(ports, rxPps(ports).size());
            Thread.sleep(seconds * 1000L);
        } finally {
            close();
        }
        List<double[]> rates = rxPps(ports);
        if (rates.size() <= start) {
            throw new IOException("testpmd printed no rate in " + seconds + " s (give it more seconds):\n"
                    + Files.readString(log));
        }
        return rates.subList(start, rates.size());
    }

    /** Waits up to 60 s until testpmd has printed more than seen rates; returns how many it has printed. */
    private int awaitPrintout(int ports, int seen) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int printed;
        while ((printed = rxPps(ports).size()) <= seen) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("testpmd printed no statistics:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return printed;
    }

    /** The Rx-pps of each printout so far that covered all ports: one array per printout, by port number. */
    private List<double[]> rxPps(int ports) throws IOException {
        Pattern header = Pattern.compile("NIC statistics for port (\\d+)");
        Pattern rate = Pattern.compile("Rx-pps:\\s+(\\d+)");
        List<double[]> rates = new ArrayList<>();
        double[] now = new double[ports];
        int port = -1;
        for (String line : Files.readString(log).split("\n")) {
            Matcher h = header.matcher(line);
            Matcher r = rate.matcher(line);
            if (h.find()) {
                port = Integer.parseInt(h.group(1));
            } else if (r.find() && port >= 0 && port < ports) {
                now[port] = Double.parseDouble(r.group(1));
                if (port == ports - 1) {
                    rates.add(now);
                    now = new double[ports];
                }
                port = -1;
            }
        }
        return rates;
    }

    /** Ends testpmd (SIGTERM: it stops its ports and exits; it does not read its input while it prints statistics). */
    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        // --single-file-segments leaves "<prefix>map_<n>" behind (it excludes --huge-unlink).
        try (var files = Files.list(Path.of("/dev/hugepages"))) {
            files.filter(f -> f.getFileName().toString().startsWith(prefix + "map_")).forEach(f -> f.toFile().delete());
        }
    }
}
