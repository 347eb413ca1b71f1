package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cgroup v1 blkio group of our own whose members' reads and writes on one block device are held
 * to a few bytes per second: a disk made slow for real (the throttle holds the block requests,
 * whatever submits them), without touching other processes. Needs root and the blkio hierarchy.
 */
public final class BlkioThrottle implements AutoCloseable {

    public static final Path ROOT = Path.of("/sys/fs/cgroup/blkio");

    private final Path group;
    private final String device;

    private BlkioThrottle(Path group, String device) {
        this.group = group;
        this.device = device;
    }

    /** Why a throttle cannot be made here, or null when it can. */
    public static String unavailableReason() {
        if (!Files.isWritable(ROOT.resolve("cgroup.procs")) || !Files.exists(ROOT.resolve("blkio.throttle.write_bps_device"))) {
            return "cgroup v1 blkio throttling at " + ROOT + " is not there or not writable (not root?)";
        }
        return null;
    }

    /** A new group, named for this process, throttling the block device (major:minor) that holds file. */
    public static BlkioThrottle create(Path file) throws IOException {
        String device = wholeDisk(file);
        Path group = ROOT.resolve("vhostvertx-slow-" + ProcessHandle.current().pid());
        Files.createDirectories(group);
        return new BlkioThrottle(group, device);
    }

    /** major:minor of the disk (not the partition) file lies on. */
    private static String wholeDisk(Path file) throws IOException {
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        Path sys = Path.of("/sys/dev/block/" + major + ":" + minor);
        if (Files.exists(sys.resolve("partition"))) {
            return Files.readString(sys.toRealPath().getParent().resolve("dev")).trim();
        }
        return major + ":" + minor;
    }

    public String device() {
        return device;
    }

    /** Holds reads and writes on the device to bytesPerSecond each (0 lifts the limits). */
    public void limit(long bytesPerSecond) throws IOException {
        Files.writeString(group.resolve("blkio.throttle.write_bps_device"), device + " " + bytesPerSecond);
        Files.writeString(group.resolve("blkio.throttle.read_bps_device"), device + " " + bytesPerSecond);
    }

    /** Moves a process (every thread of it, and what it starts later) into the group. */
    public void add(long pid) throws IOException {
        Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** Lifts the limits and removes the group (its processes must have ended). */
    @Override
    public void close() throws IOException {
        limit(0);
        Files.deleteIfExists(group);
    }
}
