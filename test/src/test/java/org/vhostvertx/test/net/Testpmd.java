package org.vhostvertx.test.net;

import org.vhostvertx.test.frontend.RealClients;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * DPDK's dpdk-testpmd, unmodified, as a real vhost-user client (virtio-user port) or as the vhost
 * PMD back end for comparisons. It forwards until we press enter, then prints its statistics.
 */
final class Testpmd {

    static final Path BINARY = Path.of("/usr/bin/dpdk-testpmd");

    /** Forward statistics of port 0. */
    record Stats(long rxPackets, long txPackets, String output) {
    }

    private Testpmd() {
    }

    static String unavailableReason() {
        if (!Files.isExecutable(BINARY)) {
            return "dpdk-testpmd is not installed (Debian package dpdk-dev)";
        }
        try {
            // Not Files.readString: procfs reports a size of 0 and it then reads a single byte.
            String text;
            try (var in = Files.newInputStream(Path.of("/proc/sys/vm/nr_hugepages"))) {
                text = new String(in.readAllBytes());
            }
            long pages = Long.parseLong(text.trim());
            if (pages < 256) {
                return "fewer than 256 hugepages (echo 1024 > /proc/sys/vm/nr_hugepages)";
            }
        } catch (IOException | NumberFormatException e) {
            return "cannot read /proc/sys/vm/nr_hugepages";
        }
        return null;
    }

    /** Fails without DPDK, unless real clients were waived (see {@link RealClients}). */
    static void require() {
        RealClients.require("DPDK testpmd test", unavailableReason());
    }

    /** As {@link #run}, on another thread, so the test can watch our side while testpmd runs. */
    static java.util.concurrent.CompletableFuture<Stats> runAsync(String prefix, List<String> eal, List<String> app,
                                                                  double seconds, Path log) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return run(prefix, eal, app, seconds, log);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    /**
     * Runs testpmd with the EAL arguments eal and the application arguments app for seconds, then
     * ends it and returns port 0's statistics.
     */
    static Stats run(String prefix, List<String> eal, List<String> app, double seconds, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--no-pci", "--single-file-segments",
                "--file-prefix=" + prefix, "-m", "256"));
        cmd.addAll(eal);
        cmd.add("--");
        cmd.addAll(app);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Thread.sleep((long) (seconds * 1000));
            try (OutputStream in = p.getOutputStream()) {
                in.write('\n');
            } catch (IOException gone) {
                // testpmd already ended; its log says why
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            removeHugepageFiles(prefix);
        }
        String out = Files.readString(log);
        int at = out.indexOf("Forward statistics for port 0");
        if (at < 0) {
            throw new IOException("testpmd printed no statistics:\n" + out);
        }
        String block = out.substring(at);
        return new Stats(number(block, "RX-packets"), number(block, "TX-packets"), out);
    }

    /** testpmd leaves its hugepage files behind (--single-file-segments excludes --huge-unlink). */
    private static void removeHugepageFiles(String prefix) throws IOException {
        Path dir = Path.of("/dev/hugepages");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static long number(String text, String key) throws IOException {
        Matcher m = Pattern.compile(key + ":\\s*(\\d+)").matcher(text);
        if (!m.find()) {
            throw new IOException("no " + key + " in testpmd's output");
        }
        return Long.parseLong(m.group(1));
    }
}
