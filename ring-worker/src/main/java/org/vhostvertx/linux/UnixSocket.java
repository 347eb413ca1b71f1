package org.vhostvertx.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A non-blocking Unix stream socket that sends and receives file descriptors (SCM_RIGHTS).
 *
 * <p>The msghdr, iovec and control buffers are allocated once per socket. A socket is used by one
 * thread at a time (the event loop that owns it, or a test's thread).
 */
public final class UnixSocket implements AutoCloseable {

    /** vhost-user never carries more than 8 descriptors in one message. */
    public static final int MAX_FDS = 8;

    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_MAX = 107;
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSG_HEADER = 16;
    private static final int CONTROL_SIZE = CMSG_HEADER + MAX_FDS * 4;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment msghdr = arena.allocate(MSGHDR_SIZE, 8);
    private final MemorySegment iov = arena.allocate(Linux.IOVEC_SIZE, 8);
    private final MemorySegment control = arena.allocate(CONTROL_SIZE, 8);
    private int lastFlags;
    private boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /** Wraps an fd this object then owns. */
    public static UnixSocket adopt(int fd) {
        return new UnixSocket(fd);
    }

    public int fd() {
        return fd;
    }

    private static MemorySegment address(Arena arena, Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path longer than " + SUN_PATH_MAX + " bytes: " + path);
        }
        MemorySegment sa = arena.allocate(SOCKADDR_UN_SIZE, 2);
        sa.set(JAVA_SHORT, 0, (short) Linux.AF_UNIX);
        MemorySegment.copy(p, 0, sa, JAVA_BYTE, 2, p.length);
        return sa;
    }

    /** A listening socket bound to path (which must not exist). */
    public static UnixSocket listen(Path path, int backlog) {
        int fd = Linux.socket(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            Linux.bind(fd, address(a, path), SOCKADDR_UN_SIZE);
            Linux.listen(fd, backlog);
            return new UnixSocket(fd);
        } catch (RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** Connects to path; throws LinuxException (ENOENT, ECONNREFUSED, ...) when nobody listens. */
    public static UnixSocket connect(Path path) {
        int fd = Linux.socket(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            int rc = Linux.tryConnect(fd, address(a, path), SOCKADDR_UN_SIZE);
            if (rc < 0) {
                throw new LinuxException("connect(" + path + ")", -rc);
            }
            return new UnixSocket(fd);
        } catch (RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** True when something accepts connections at path (a live socket, as opposed to a stale file). */
    public static boolean isLive(Path path) {
        try (UnixSocket s = connect(path)) {
            return true;
        } catch (LinuxException e) {
            return false;
        }
    }

    /** Accepts one pending connection, or returns null when none is pending. */
    public UnixSocket accept() {
        int rc = Linux.tryAccept4(fd, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
        if (rc == -Linux.EAGAIN) {
            return null;
        }
        if (rc < 0) {
            throw new LinuxException("accept4", -rc);
        }
        return new UnixSocket(rc);
    }

    private void prepare(MemorySegment buf, long len, int controlLen) {
        iov.set(ADDRESS, 0, buf);
        iov.set(JAVA_LONG, 8, len);
        msghdr.fill((byte) 0);
        msghdr.set(ADDRESS, 16, iov);
        msghdr.set(JAVA_LONG, 24, 1L);
        if (controlLen > 0) {
            msghdr.set(ADDRESS, 32, control);
            msghdr.set(JAVA_LONG, 40, (long) controlLen);
        }
    }

    /**
     * Sends len bytes of buf with the given descriptors attached. Returns the bytes sent, or -errno
     * (-EAGAIN when the socket buffer is full).
     */
    public long send(MemorySegment buf, long len, int[] fds, int fdCount) {
        if (fdCount > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per message");
        }
        int controlLen = 0;
        if (fdCount > 0) {
            controlLen = CMSG_HEADER + align8(fdCount * 4);
            control.fill((byte) 0);
            control.set(JAVA_LONG, 0, (long) (CMSG_HEADER + fdCount * 4));
            control.set(JAVA_INT, 8, Linux.SOL_SOCKET);
            control.set(JAVA_INT, 12, Linux.SCM_RIGHTS);
            for (int i = 0; i < fdCount; i++) {
                control.set(JAVA_INT, CMSG_HEADER + 4L * i, fds[i]);
            }
        }
        prepare(buf, len, controlLen);
        return Linux.trySendmsg(fd, msghdr, Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT);
    }

    /**
     * Receives up to len bytes into buf; descriptors that arrive are stored into fds from index
     * fdOffset. Returns the bytes received (0 at end of stream) or -errno, and sets
     * {@link #lastFdCount()} and {@link #lastControlTruncated()}. Descriptors that do not fit into
     * fds are closed.
     */
    public long receive(MemorySegment buf, long len, int[] fds, int fdOffset) {
        prepare(buf, len, CONTROL_SIZE);
        long rc = Linux.tryRecvmsg(fd, msghdr, Linux.MSG_CMSG_CLOEXEC | Linux.MSG_DONTWAIT);
        lastFdCount = 0;
        if (rc < 0) {
            lastFlags = 0;
            return rc;
        }
        lastFlags = msghdr.get(JAVA_INT, 48);
        long controlLen = msghdr.get(JAVA_LONG, 40);
        long pos = 0;
        while (pos + CMSG_HEADER <= controlLen) {
            long cmsgLen = control.get(JAVA_LONG, pos);
            int level = control.get(JAVA_INT, pos + 8);
            int type = control.get(JAVA_INT, pos + 12);
            if (cmsgLen < CMSG_HEADER || pos + cmsgLen > controlLen) {
                break;
            }
            if (level == Linux.SOL_SOCKET && type == Linux.SCM_RIGHTS) {
                int n = (int) ((cmsgLen - CMSG_HEADER) / 4);
                for (int i = 0; i < n; i++) {
                    int received = control.get(JAVA_INT, pos + CMSG_HEADER + 4L * i);
                    if (fdOffset + lastFdCount < fds.length) {
                        fds[fdOffset + lastFdCount++] = received;
                    } else {
                        Linux.close(received);
                    }
                }
            }
            pos += align8((int) cmsgLen);
        }
        return rc;
    }

    private int lastFdCount;

    public int lastFdCount() {
        return lastFdCount;
    }

    /** True when the kernel dropped descriptors because the control buffer was too small. */
    public boolean lastControlTruncated() {
        return (lastFlags & Linux.MSG_CTRUNC) != 0;
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Linux.close(fd);
            arena.close();
        }
    }
}
