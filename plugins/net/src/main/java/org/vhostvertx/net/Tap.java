package org.vhostvertx.net;

import org.vhostvertx.device.DeviceException;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP interface opened through /dev/net/tun (no packet information), brought up. With
 * offloads, every frame carries the 12-byte virtio-net header both ways (IFF_VNET_HDR,
 * TUNSETVNETHDRSZ) and the kernel may hand us partial checksums and large TCP frames
 * (TUNSETOFFLOAD CSUM, TSO4, TSO6), and takes ours. The interface exists while we hold the
 * descriptor.
 */
final class Tap implements AutoCloseable {

    private static final long TUNSETIFF = 0x400454caL;
    private static final long SIOCGIFFLAGS = 0x8913L;
    private static final long SIOCSIFFLAGS = 0x8914L;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final long TUN_F_CSUM = 0x01;
    private static final long TUN_F_TSO4 = 0x02;
    private static final long TUN_F_TSO6 = 0x04;
    private static final short IFF_UP = 0x1;
    private static final int IFREQ_SIZE = 40;
    private static final int NONBLOCK = 0x800;

    private final String name;
    private final int fd;
    private final boolean offloads;

    private Tap(String name, int fd, boolean offloads) {
        this.name = name;
        this.fd = fd;
        this.offloads = offloads;
    }

    /** Opens (creates) the interface; offloads: frames carry the virtio-net header both ways. */
    static Tap open(String name, boolean offloads) {
        if (name.isEmpty() || name.length() > 15 || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new DeviceException("tap name \"" + name + "\" must be 1 to 15 of A-Z a-z 0-9 _ . -");
        }
        int fd;
        try {
            fd = Linux.open("/dev/net/tun", Linux.O_RDWR | Linux.O_CLOEXEC | NONBLOCK, 0);
        } catch (LinuxException e) {
            throw new DeviceException("tap " + name + ": " + e.getMessage(), e);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(a, name);
            ifr.set(ValueLayout.JAVA_SHORT, 16, (short) (IFF_TAP | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0)));
            Linux.ioctl(fd, TUNSETIFF, ifr, "TUNSETIFF " + name);
            if (offloads) {
                MemorySegment size = a.allocate(ValueLayout.JAVA_INT);
                size.set(ValueLayout.JAVA_INT, 0, NetFeatures.HEADER);
                Linux.ioctl(fd, TUNSETVNETHDRSZ, size, "TUNSETVNETHDRSZ " + name);
                // The argument is the flag word itself, not a pointer to it.
                Linux.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6),
                        "TUNSETOFFLOAD " + name);
            }
            up(a, name);
            return new Tap(name, fd, offloads);
        } catch (LinuxException e) {
            Linux.close(fd);
            throw new DeviceException("tap " + name + ": " + e.getMessage(), e);
        }
    }

    private static MemorySegment ifreq(Arena a, String name) {
        MemorySegment ifr = a.allocate(IFREQ_SIZE, 8);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
        return ifr;
    }

    /** ip link set NAME up, through SIOCGIFFLAGS/SIOCSIFFLAGS on a datagram socket. */
    private static void up(Arena a, String name) {
        int s = Linux.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | Linux.SOCK_CLOEXEC, 0);
        try {
            MemorySegment ifr = ifreq(a, name);
            Linux.ioctl(s, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS " + name);
            short flags = ifr.get(ValueLayout.JAVA_SHORT, 16);
            ifr.set(ValueLayout.JAVA_SHORT, 16, (short) (flags | IFF_UP));
            Linux.ioctl(s, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS " + name);
        } finally {
            Linux.close(s);
        }
    }

    String name() {
        return name;
    }

    int fd() {
        return fd;
    }

    /** Whether frames carry the virtio-net header (and may be partial or large). */
    boolean offloads() {
        return offloads;
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
