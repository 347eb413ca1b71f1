package org.vhostvertx.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The Linux system calls the project needs, called through FFM.
 *
 * <p>Every call returns the raw result; a failure throws {@link LinuxException} naming the call and
 * errno. The {@code try*} variants return {@code -errno} instead, for calls whose failure is an
 * expected outcome (EAGAIN on a non-blocking fd, ENOENT while a client waits for a socket).
 *
 * <p>errno is captured per call into a per-thread scratch segment, so the data path (eventfd reads
 * and writes) allocates nothing.
 */
public final class Linux {

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;

    public static final int EPOLLIN = 0x1;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CLOEXEC = 0x80000;

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_CLOEXEC = 0x80000;
    /** x86-64's O_DIRECT: transfers bypass the page cache and need aligned buffers, offsets and lengths. */
    public static final int O_DIRECT = 0x4000;

    public static final int FALLOC_FL_KEEP_SIZE = 0x1;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x2;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    public static final int MFD_CLOEXEC = 0x1;

    public static final int F_OFD_SETLK = 37;
    public static final short F_RDLCK = 0;
    public static final short F_WRLCK = 1;

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOENT = 2;
    public static final int ECONNREFUSED = 111;
    public static final int EOPNOTSUPP = 95;
    public static final int EIO = 5;
    public static final int EBUSY = 16;
    public static final int EBADF = 9;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;

    /** sizeof(struct epoll_event) on x86_64: the struct is packed (u32 events, u64 data). */
    public static final int EPOLL_EVENT_SIZE = 12;
    /** sizeof(struct iovec). */
    public static final int IOVEC_SIZE = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));
    /** An 8-byte buffer per thread for eventfd counters. */
    private static final ThreadLocal<MemorySegment> COUNTER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8, 8));

    private static final MethodHandle SOCKET = fn("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND = fn("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = fn("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle ACCEPT4 = fn("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = fn("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SOCKETPAIR = fn("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle SENDMSG = fn("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RECVMSG = fn("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle EVENTFD = fn("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle READ = fn("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = fn("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle MMAP = fn("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MUNMAP = fn("munmap", JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle CLOSE = fn("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = fn("epoll_create1", JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CTL = fn("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle EPOLL_WAIT = fn("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle PREADV = fn("preadv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle PWRITEV = fn("pwritev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
    private static final MethodHandle FDATASYNC = fn("fdatasync", JAVA_INT, JAVA_INT);
    private static final MethodHandle FALLOCATE = fn("fallocate", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle FTRUNCATE = fn("ftruncate", JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle OPEN = fn("open", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle MEMFD_CREATE = fn("memfd_create", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LSEEK = fn("lseek", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT);
    private static final MethodHandle IOCTL = fn("ioctl", JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
    private static final MethodHandle WRITEV = fn("writev", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    /** syscall(2), for the calls glibc has no wrapper for (io_uring); variadic after the number. */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG), Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final MethodHandle STATX = fn("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle FSTATFS = fn("fstatfs", JAVA_INT, JAVA_INT, ADDRESS);
    /** fcntl with a struct flock argument (fcntl is variadic: the third argument is the variadic one). */
    private static final MethodHandle FCNTL_LOCK = LINKER.downcallHandle(LIBC.find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Linux() {
    }

    private static MethodHandle fn(String name, ValueLayout ret, ValueLayout... args) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(ret, args),
                Linker.Option.captureCallState("errno"));
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** The C library's text for an errno value. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static long check(String call, long rc, MemorySegment capture) {
        if (rc < 0) {
            throw new LinuxException(call, errno(capture));
        }
        return rc;
    }

    private static long orErrno(long rc, MemorySegment capture) {
        return rc < 0 ? -errno(capture) : rc;
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---- sockets ---------------------------------------------------------------------------

    public static int socket(int domain, int type, int protocol) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check("socket", (int) SOCKET.invokeExact(c, domain, type, protocol), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** A connected pair of non-blocking Unix stream sockets. */
    public static int[] socketpair() {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            check("socketpair", (int) SOCKETPAIR.invokeExact(c, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                    fds), c);
            return new int[]{fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void bind(int fd, MemorySegment addr, int len) {
        MemorySegment c = CAPTURE.get();
        try {
            check("bind", (int) BIND.invokeExact(c, fd, addr, len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void listen(int fd, int backlog) {
        MemorySegment c = CAPTURE.get();
        try {
            check("listen", (int) LISTEN.invokeExact(c, fd, backlog), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** accept4 without a peer address; returns the new fd or -errno. */
    public static int tryAccept4(int fd, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) orErrno((int) ACCEPT4.invokeExact(c, fd, MemorySegment.NULL, MemorySegment.NULL, flags), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** connect; returns 0 or -errno. */
    public static int tryConnect(int fd, MemorySegment addr, int len) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) orErrno((int) CONNECT.invokeExact(c, fd, addr, len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** sendmsg; returns bytes sent or -errno. */
    public static long trySendmsg(int fd, MemorySegment msghdr, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) SENDMSG.invokeExact(c, fd, msghdr, flags), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** recvmsg; returns bytes received (0 at end of stream) or -errno. */
    public static long tryRecvmsg(int fd, MemorySegment msghdr, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) RECVMSG.invokeExact(c, fd, msghdr, flags), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- eventfd, read, write, close -------------------------------------------------------

    public static int eventfd(int initval, int flags) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check("eventfd", (int) EVENTFD.invokeExact(c, initval, flags), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Adds 1 to an eventfd counter; returns 8 or -errno (EAGAIN when the counter is full). */
    public static long eventfdSignal(int fd) {
        MemorySegment buf = COUNTER.get();
        buf.set(JAVA_LONG, 0, 1L);
        return tryWrite(fd, buf, 8);
    }

    /** Reads and resets a non-blocking eventfd counter; returns the counter, or -errno. */
    public static long eventfdDrain(int fd) {
        MemorySegment buf = COUNTER.get();
        long rc = tryRead(fd, buf, 8);
        return rc == 8 ? buf.get(JAVA_LONG, 0) : rc;
    }

    public static long tryRead(int fd, MemorySegment buf, long len) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) READ.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static long tryWrite(int fd, MemorySegment buf, long len) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) WRITE.invokeExact(c, fd, buf, len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Closes an fd; errors are not reported because there is nothing a caller could do. */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        MemorySegment c = CAPTURE.get();
        try {
            int ignored = (int) CLOSE.invokeExact(c, fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** ioctl(fd, request, arg); throws naming what on failure. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check("ioctl(" + what + ")", (int) IOCTL.invokeExact(c, fd, request, arg), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** writev; returns bytes written or -errno. */
    public static long tryWritev(int fd, MemorySegment iov, int iovcnt) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) WRITEV.invokeExact(c, fd, iov, iovcnt), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- memory ----------------------------------------------------------------------------

    /** mmap(NULL, len, prot, flags, fd, offset); the result is a zero-length segment at the mapping. */
    public static MemorySegment mmap(long len, int prot, int flags, int fd, long offset) {
        MemorySegment c = CAPTURE.get();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(c, MemorySegment.NULL, len, prot, flags, fd, offset);
            if (p.address() == -1L) {
                throw new LinuxException("mmap", errno(c));
            }
            return p;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void munmap(long address, long len) {
        MemorySegment c = CAPTURE.get();
        try {
            check("munmap", (int) MUNMAP.invokeExact(c, MemorySegment.ofAddress(address), len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static int memfdCreate(String name, int flags) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            return (int) check("memfd_create", (int) MEMFD_CREATE.invokeExact(c, a.allocateFrom(name), flags), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- epoll -----------------------------------------------------------------------------

    public static int epollCreate() {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) check("epoll_create1", (int) EPOLL_CREATE1.invokeExact(c, EPOLL_CLOEXEC), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Adds fd to an epoll set with the given events and 64-bit user data. */
    public static void epollAdd(int epfd, int fd, int events, long data) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(EPOLL_EVENT_SIZE, 4);
            ev.set(JAVA_INT, 0, events);
            ev.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, data);
            check("epoll_ctl(ADD)", (int) EPOLL_CTL.invokeExact(c, epfd, EPOLL_CTL_ADD, fd, ev), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void epollDelete(int epfd, int fd) {
        MemorySegment c = CAPTURE.get();
        try {
            int ignored = (int) EPOLL_CTL.invokeExact(c, epfd, EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** epoll_wait; returns the number of events, 0 on timeout or EINTR. */
    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        MemorySegment c = CAPTURE.get();
        try {
            int rc = (int) EPOLL_WAIT.invokeExact(c, epfd, events, max, timeoutMillis);
            if (rc < 0) {
                int e = errno(c);
                if (e == EINTR) {
                    return 0;
                }
                throw new LinuxException("epoll_wait", e);
            }
            return rc;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- files -----------------------------------------------------------------------------

    public static int open(String path, int flags, int mode) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(c, a.allocateFrom(path), flags, mode);
            if (fd < 0) {
                throw new LinuxException("open(" + path + ")", errno(c));
            }
            return fd;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** preadv; returns bytes read or -errno. */
    public static long tryPreadv(int fd, MemorySegment iov, int iovcnt, long offset) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) PREADV.invokeExact(c, fd, iov, iovcnt, offset), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** pwritev; returns bytes written or -errno. */
    public static long tryPwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) PWRITEV.invokeExact(c, fd, iov, iovcnt, offset), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fdatasync; returns 0 or -errno. */
    public static int tryFdatasync(int fd) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) orErrno((int) FDATASYNC.invokeExact(c, fd), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** fallocate; returns 0 or -errno. */
    public static int tryFallocate(int fd, int mode, long offset, long len) {
        MemorySegment c = CAPTURE.get();
        try {
            return (int) orErrno((int) FALLOCATE.invokeExact(c, fd, mode, offset, len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void ftruncate(int fd, long len) {
        MemorySegment c = CAPTURE.get();
        try {
            check("ftruncate", (int) FTRUNCATE.invokeExact(c, fd, len), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static final int SEEK_HOLE = 4;

    /**
     * Where the first hole at or after offset starts (lseek SEEK_HOLE; the end of the file counts
     * as one), or -errno (ENXIO when offset is at or past the end).
     */
    public static long tryNextHole(int fd, long offset) {
        MemorySegment c = CAPTURE.get();
        try {
            return orErrno((long) LSEEK.invokeExact(c, fd, offset, SEEK_HOLE), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The size of an open file (lseek to its end). */
    public static long fileSize(int fd) {
        MemorySegment c = CAPTURE.get();
        try {
            return check("lseek", (long) LSEEK.invokeExact(c, fd, 0L, 2), c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * fcntl(F_OFD_SETLK): an open-file-description lock of type (F_RDLCK shared, F_WRLCK exclusive)
     * on len bytes at start, held until the description is closed. Such locks conflict between two
     * opens of one file even in one process. Returns 0, or -errno (EAGAIN: a conflicting lock is held).
     */
    public static int tryOfdLock(int fd, short type, long start, long len) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            // struct flock on x86-64: l_type, l_whence (SEEK_SET), l_start, l_len, l_pid (0 for OFD locks).
            MemorySegment flock = a.allocate(32, 8);
            flock.set(JAVA_SHORT, 0, type);
            flock.set(JAVA_SHORT, 2, (short) 0);
            flock.set(JAVA_LONG, 8, start);
            flock.set(JAVA_LONG, 16, len);
            int rc = (int) FCNTL_LOCK.invokeExact(c, fd, F_OFD_SETLK, flock);
            return rc < 0 ? -errno(c) : 0;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- io_uring and statx ----------------------------------------------------------------

    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_ENTER = 426;
    private static final long SYS_IO_URING_REGISTER = 427;

    private static long trySyscall(long number, long a, long b, long c, long d, long e, long f) {
        MemorySegment cap = CAPTURE.get();
        try {
            return orErrno((long) SYSCALL.invokeExact(cap, number, a, b, c, d, e, f), cap);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** io_uring_setup(entries, params); returns the ring's fd or -errno. */
    public static int tryIoUringSetup(int entries, MemorySegment params) {
        return (int) trySyscall(SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
    }

    /** io_uring_enter(fd, toSubmit, minComplete, flags, NULL, 0); returns SQEs consumed or -errno. */
    public static int tryIoUringEnter(int fd, int toSubmit, int minComplete, int flags) {
        return (int) trySyscall(SYS_IO_URING_ENTER, fd, toSubmit, minComplete, flags, 0, 0);
    }

    /** io_uring_register(fd, opcode, arg, nrArgs); returns the result or -errno. */
    public static int tryIoUringRegister(int fd, int opcode, MemorySegment arg, int nrArgs) {
        return (int) trySyscall(SYS_IO_URING_REGISTER, fd, opcode, arg.address(), nrArgs, 0, 0);
    }

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_DIOALIGN = 0x2000;
    private static final int STATX_TYPE = 0x1;
    private static final int S_IFMT = 0xf000;
    private static final int S_IFREG = 0x8000;

    /** True when fd is a regular file (not a block device, a pipe, ...). */
    public static boolean isRegularFile(int fd) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment stx = a.allocate(256, 8);
            int rc = (int) STATX.invokeExact(c, fd, a.allocateFrom(""), AT_EMPTY_PATH, STATX_TYPE, stx);
            check("statx", rc, c);
            // struct statx: stx_mode (16 bits) at 28.
            return (stx.get(JAVA_SHORT, 28) & S_IFMT) == S_IFREG;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * The alignment O_DIRECT needs on fd, as {memory, file offset} (statx's STATX_DIOALIGN, Linux
     * 6.1), or null when the file system does not say; {0, 0} when it does not support O_DIRECT.
     */
    public static int[] directIoAlignment(int fd) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment stx = a.allocate(256, 8);
            int rc = (int) STATX.invokeExact(c, fd, a.allocateFrom(""), AT_EMPTY_PATH, STATX_DIOALIGN, stx);
            check("statx", rc, c);
            // struct statx: stx_mask at 0, stx_dio_mem_align at 152, stx_dio_offset_align at 156.
            if ((stx.get(JAVA_INT, 0) & STATX_DIOALIGN) == 0) {
                return null;
            }
            return new int[]{stx.get(JAVA_INT, 152), stx.get(JAVA_INT, 156)};
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** statfs's f_type of tmpfs (and of memfd files). */
    public static final long TMPFS_MAGIC = 0x01021994L;
    /** statfs's f_type of ramfs. */
    public static final long RAMFS_MAGIC = 0x858458f6L;

    /** The type (f_type, a *_MAGIC number) of the file system fd's file is on. */
    public static long fileSystemType(int fd) {
        MemorySegment c = CAPTURE.get();
        try (Arena a = Arena.ofConfined()) {
            // struct statfs on x86-64: 120 bytes, f_type the first long.
            MemorySegment st = a.allocate(120, 8);
            int rc = (int) FSTATFS.invokeExact(c, fd, st);
            check("fstatfs", rc, c);
            return st.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
