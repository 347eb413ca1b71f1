package org.vhostvertx.test.scale;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.DeviceKind;
import org.vhostvertx.test.frontend.GuestConnection;
import org.vhostvertx.test.frontend.NetPort;
import org.vhostvertx.test.frontend.NetVerifiedIo;
import org.vhostvertx.test.frontend.ProcessResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 256 devices (96 blk, 80 scsi, 40 net reflect ports and 40 ports of one net switch) in one
 * back-end process, the jar with the default workers and its web console: every device listens,
 * then our front end connects to each in turn (a switch port with its peer), does verified I/O and
 * leaves. The figures are compared with the same jar serving one blk device: threads must not grow
 * with devices, descriptors grow by the listening socket and the disk of each device only and all
 * come back when a front end leaves, and heap and resident memory stay within a budget per device.
 * Run it alone with {@code mvn -o -B verify -pl test -am -Dtest=ScaleTest -Dsurefire.failIfNoSpecifiedTests=false};
 * it prints its figures (the README's Scale section quotes them).
 */
class ScaleTest {

    static final int BLK = 96;
    static final int SCSI = 80;
    static final int REFLECT = 40;
    static final int SWITCH_PORTS = 40;
    static final int DEVICES = BLK + SCSI + REFLECT + SWITCH_PORTS;
    /** Requests in flight in each device's batch. */
    static final int DEPTH = 4;

    /**
     * Threads beyond the one-device node's: Vert.x's event loops (2 per CPU) are taken one per
     * verticle until all exist, so a node with more verticles may run more of them; plus a few
     * the JVM starts when it likes (compiler, GC). A thread per device would exceed this by far.
     */
    static final int THREAD_ALLOWANCE = 2 * Runtime.getRuntime().availableProcessors() + 4;
    /** Descriptors beyond one listening socket and one disk per device: event loops' epoll sets (3 each), slack. */
    static final int FD_ALLOWANCE = 3 * 2 * Runtime.getRuntime().availableProcessors() + 8;
    /** Heap (after a full GC) a device may cost: its host, verticle, plugin state, the console's meters. */
    static final long HEAP_PER_DEVICE_KIB = 64;
    /** Resident memory a device may cost, heap and native. */
    static final long RSS_PER_DEVICE_KIB = 512;
    /** How long the back end may take to give back a front end's descriptors and mappings once it left. */
    static final long RELEASE_SECONDS = 20;

    @TempDir
    Path dir;

    /** One device: its kind, its number (in its kind, and for its guest's MAC) and socket. */
    record Device(DeviceKind kind, String id, int n, Path socket) {
        JsonObject entry() {
            return kind.entry(id, socket);
        }
    }

    /** What we measured of one back end. */
    record Figures(int devices, long startMillis, long threadsIdle, long threadsPeak, long fdsIdle, long heapKiB,
                   long rssKiB) {
        @Override
        public String toString() {
            return String.format("%3d device(s): start %5d ms, threads %d idle / %d at most with a front end, "
                            + "fds %d idle, heap after GC %d KiB, RSS %d KiB",
                    devices, startMillis, threadsIdle, threadsPeak, fdsIdle, heapKiB, rssKiB);
        }
    }

    List<Device> devices(int blk, int scsi, int reflect, int switchPorts) {
        List<Device> d = new ArrayList<>();
        add(d, DeviceKind.BLK, "blk", blk);
        add(d, DeviceKind.SCSI, "scsi", scsi);
        add(d, DeviceKind.REFLECT, "reflect", reflect);
        add(d, DeviceKind.SWITCH_PORT, "port", switchPorts);
        return d;
    }

    private void add(List<Device> to, DeviceKind kind, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            to.add(new Device(kind, prefix + i, to.size(), dir.resolve(prefix + i + ".sock")));
        }
    }

    /** The product's defaults (workers, pollMicros, stats, console) but the console on any free port. */
    static JsonObject config(List<Device> devices) {
        JsonArray entries = new JsonArray();
        devices.forEach(d -> entries.add(d.entry()));
        return new JsonObject().put("node", "scale").put("console", new JsonObject().put("port", 0))
                .put("devices", entries);
    }

    @Test
    void twoHundredFiftySixDevicesInOneBackEndProcess() throws Exception {
        Figures one = serveEach(devices(1, 0, 0, 0));
        Figures many = serveEach(devices(BLK, SCSI, REFLECT, SWITCH_PORTS));
        System.out.println("scale: " + one);
        System.out.println("scale: " + many + " (" + BLK + " blk, " + SCSI + " scsi, " + REFLECT + " reflect, "
                + SWITCH_PORTS + " switch ports)");
        System.out.printf("scale: per extra device: %.1f KiB heap, %.1f KiB RSS, %.2f fds; threads %+d%n",
                (many.heapKiB - one.heapKiB) / (DEVICES - 1.0), (many.rssKiB - one.rssKiB) / (DEVICES - 1.0),
                (many.fdsIdle - one.fdsIdle) / (DEVICES - 1.0), many.threadsPeak - one.threadsPeak);

        assertTrue(many.threadsPeak <= one.threadsPeak + THREAD_ALLOWANCE,
                "no thread per device: " + many.threadsPeak + " threads with " + DEVICES + " devices, "
                        + one.threadsPeak + " with one");
        // Each extra device holds its listening socket, and a disk its store (a memfd).
        long disks = BLK + SCSI - 1;
        assertTrue(many.fdsIdle <= one.fdsIdle + (DEVICES - 1) + disks + FD_ALLOWANCE,
                "descriptors: " + many.fdsIdle + " with " + DEVICES + " devices, " + one.fdsIdle + " with one");
        assertTrue(many.heapKiB - one.heapKiB <= HEAP_PER_DEVICE_KIB * (DEVICES - 1),
                "heap after GC: " + many.heapKiB + " KiB with " + DEVICES + " devices, " + one.heapKiB + " with one");
        assertTrue(many.rssKiB - one.rssKiB <= RSS_PER_DEVICE_KIB * (DEVICES - 1),
                "RSS: " + many.rssKiB + " KiB with " + DEVICES + " devices, " + one.rssKiB + " with one");
        // A bound, not a speed test: the launcher waits 60 s; 256 devices take a few seconds even on a slow day.
        assertTrue(many.startMillis < TimeUnit.SECONDS.toMillis(60), "start took " + many.startMillis + " ms");
    }

    /**
     * Starts the jar with these devices, checks that every one listens, connects to each in turn
     * (a switch port with the next, its peer) for a verified batch, and checks that each front
     * end's descriptors and guest-memory mappings are given back once it leaves.
     */
    Figures serveEach(List<Device> devices) throws Exception {
        long t0 = System.nanoTime();
        try (BackendProcess backend = BackendProcess.start(BackendProcess.jar(), List.of(), config(devices),
                List.of(), dir)) {
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            ProcessResources proc = new ProcessResources(backend.pid());
            assertEquals(devices.size(), listening(), "listening sockets of the back end");
            // The first jcmd starts the JVM's attach listener (a thread and a socket) for good.
            proc.heapUsedAfterGcKiB();
            long threadsIdle = proc.threads();
            long fdsIdle = proc.openFds();
            long threadsPeak = threadsIdle;
            for (int i = 0; i < devices.size(); i++) {
                Device d = devices.get(i);
                try {
                    Device peer = d.kind() == DeviceKind.SWITCH_PORT ? devices.get(++i) : null;
                    threadsPeak = Math.max(threadsPeak, serve(proc, d, peer));
                    awaitReleased(proc, fdsIdle, d.id());
                } catch (Exception | AssertionError e) {
                    throw new AssertionError("device " + d.id() + (backend.alive() ? "" : ", the back end is gone")
                            + "; the back end's log ends:\n" + tail(backend.log()), e);
                }
            }
            threadsPeak = Math.max(threadsPeak, proc.threads());
            long heap = proc.heapUsedAfterGcKiB();
            return new Figures(devices.size(), startMillis, threadsIdle, threadsPeak, fdsIdle, heap, proc.rssKiB());
        }
    }

    /**
     * Connects to d (and its peer, for a switch port) for a verified batch each way; returns the
     * back end's threads while connected.
     */
    static long serve(ProcessResources proc, Device d, Device peer) throws Exception {
        if (peer == null) {
            try (GuestConnection c = GuestConnection.open(d.socket(), d.kind().queues())) {
                d.kind().io(c, d.n(), DEPTH).batch(d.n());
                return proc.threads();
            }
        }
        try (GuestConnection a = GuestConnection.open(d.socket(), d.kind().queues());
             GuestConnection b = GuestConnection.open(peer.socket(), peer.kind().queues())) {
            NetPort pa = new NetPort(a.fe(), DeviceKind.mac(d.n()), DEPTH);
            NetPort pb = new NetPort(b.fe(), DeviceKind.mac(peer.n()), DEPTH);
            NetVerifiedIo.through(pa, pb, DEPTH).batch(d.n());
            NetVerifiedIo.through(pb, pa, DEPTH).batch(peer.n());
            return proc.threads();
        }
    }

    static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
    }

    /** Waits until the back end holds its idle descriptors again and no guest memory; fails naming the device. */
    static void awaitReleased(ProcessResources proc, long fdsIdle, String device) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RELEASE_SECONDS);
        while ((proc.openFds() != fdsIdle || proc.mappings("test-guest-ram") != 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(fdsIdle, proc.openFds(), "back end's descriptors after the front end of " + device + " left");
        assertEquals(0, proc.mappings("test-guest-ram"), "guest memory still mapped after " + device + " left");
    }

    /** Unix sockets listening on a path in this test's directory (/proc/net/unix: flag __SO_ACCEPTCON). */
    long listening() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/net/unix"))) {
            return lines.map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length >= 8 && f[3].equals("00010000") && f[7].startsWith(dir.toString()))
                    .count();
        }
    }
}
