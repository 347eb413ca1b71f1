package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a process holds, read from /proc (and, for the heap, from the JVM itself with jcmd): open
 * descriptors, memory mappings, threads, resident memory. The back end may run in this process
 * ({@link #self()}) or be another one ({@link BackendProcess#pid()}).
 */
public record ProcessResources(long pid) {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    public static ProcessResources self() {
        return new ProcessResources(ProcessHandle.current().pid());
    }

    private Path proc(String entry) {
        return Path.of("/proc", Long.toString(pid), entry);
    }

    public long openFds() throws IOException {
        try (Stream<Path> s = Files.list(proc("fd"))) {
            return s.count();
        }
    }

    /** Every line of /proc/PID/maps. */
    public long mappings() throws IOException {
        try (Stream<String> lines = Files.lines(proc("maps"))) {
            return lines.count();
        }
    }

    /**
     * Mappings that are shared or of a file (/proc/PID/maps: an "s" in the permissions, or an
     * inode): what a process maps of descriptors. Leaves out anonymous private memory (a JVM's
     * heap, code cache, metaspace, malloc arenas).
     */
    public long sharedOrFileMappings() throws IOException {
        try (Stream<String> lines = Files.lines(proc("maps"))) {
            return lines.map(l -> l.split("\\s+")).filter(f -> f[1].charAt(3) == 's' || !f[4].equals("0")).count();
        }
    }

    /** Mappings of memfds with this name ("" for every memfd). */
    public long mappings(String memfdName) throws IOException {
        try (Stream<String> lines = Files.lines(proc("maps"))) {
            return lines.filter(l -> l.contains("memfd:" + memfdName)).count();
        }
    }

    public long threads() throws IOException {
        try (Stream<Path> s = Files.list(proc("task"))) {
            return s.count();
        } catch (NoSuchFileException e) {
            throw new IOException("process " + pid + " is gone", e);
        }
    }

    /** VmRSS of /proc/PID/status, in KiB. */
    public long rssKiB() throws IOException {
        for (String line : Files.readAllLines(proc("status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }

    /**
     * Java heap in use right after a full collection, in KiB: {@code jcmd PID GC.run} (a
     * System.gc(), which completes before jcmd returns), then {@code GC.heap_info}. The first
     * call starts the JVM's Attach Listener thread and its socket in the process, which stay: take
     * it before counting threads or descriptors for a baseline.
     */
    public long heapUsedAfterGcKiB() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IOException("no heap use in GC.heap_info of " + pid + ":\n" + info);
        }
        return Long.parseLong(m.group(1));
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(List.of(jcmd, Long.toString(pid), command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed:\n" + out);
        }
        return out;
    }
}
