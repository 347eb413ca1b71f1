package org.vhostvertx.test.frontend;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.UnixSocket;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The message layer of our Java vhost-user front end: sends requests (well-formed or not) with
 * descriptors and waits for replies. Blocking, for tests and benchmarks.
 */
public final class VhostUserClient implements AutoCloseable {

    public static final int GET_FEATURES = 1;
    public static final int SET_FEATURES = 2;
    public static final int SET_OWNER = 3;
    public static final int RESET_OWNER = 4;
    public static final int SET_MEM_TABLE = 5;
    public static final int SET_VRING_NUM = 8;
    public static final int SET_VRING_ADDR = 9;
    public static final int SET_VRING_BASE = 10;
    public static final int GET_VRING_BASE = 11;
    public static final int SET_VRING_KICK = 12;
    public static final int SET_VRING_CALL = 13;
    public static final int SET_VRING_ERR = 14;
    public static final int GET_PROTOCOL_FEATURES = 15;
    public static final int SET_PROTOCOL_FEATURES = 16;
    public static final int GET_QUEUE_NUM = 17;
    public static final int SET_VRING_ENABLE = 18;
    public static final int SET_BACKEND_REQ_FD = 21;
    public static final int GET_CONFIG = 24;
    public static final int SET_CONFIG = 25;
    public static final int GET_INFLIGHT_FD = 31;
    public static final int RESET_DEVICE = 34;
    public static final int GET_MAX_MEM_SLOTS = 36;
    public static final int ADD_MEM_REG = 37;
    public static final int REM_MEM_REG = 38;
    public static final int SET_STATUS = 39;
    public static final int GET_STATUS = 40;

    public static final int FLAG_NEED_REPLY = 0x8;

    private final UnixSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf = arena.allocate(8192, 8);
    private final int[] fds = new int[8];
    private long timeoutNanos = TimeUnit.SECONDS.toNanos(20);

    private VhostUserClient(UnixSocket socket) {
        this.socket = socket;
    }

    /** Speaks the protocol over a socket we accepted (the back end in client mode connected to us). */
    public static VhostUserClient over(UnixSocket socket) {
        return new VhostUserClient(socket);
    }

    /** Connects, retrying while the socket does not exist yet. */
    public static VhostUserClient connect(Path path) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return new VhostUserClient(UnixSocket.connect(path));
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot connect to " + path + ": " + e.getMessage(), e);
                }
                LockSupport.parkNanos(20_000_000);
            }
        }
    }

    /** A reply: its payload and any descriptors it carried. */
    public record Reply(int request, int flags, byte[] payload, int[] fds) {
        public long u64() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        }

        public ByteBuffer body() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Sends one message as given (the header says payload.length unless sizeOverride >= 0). */
    public void sendRaw(int request, int flags, byte[] payload, int sizeOverride, int... attach) throws IOException {
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 0, request);
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 4, flags);
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 8, sizeOverride >= 0 ? sizeOverride : payload.length);
        MemorySegment.copy(payload, 0, buf, ValueLayout.JAVA_BYTE, 12, payload.length);
        long n = 12 + payload.length;
        long rc = socket.send(buf, n, attach, attach.length);
        if (rc != n) {
            throw new IOException("send " + request + ": " + (rc < 0 ? Linux.strerror((int) -rc) : "short"));
        }
    }

    public void send(int request, byte[] payload, int... attach) throws IOException {
        sendRaw(request, 0x1, payload, -1, attach);
    }

    /** Sends with NEED_REPLY set and waits for the u64 ack; returns it (0 is success). */
    public long sendAcked(int request, byte[] payload, int... attach) throws IOException {
        sendRaw(request, 0x1 | FLAG_NEED_REPLY, payload, -1, attach);
        return receive(request).u64();
    }

    /** Sends and waits for the reply to this request. */
    public Reply call(int request, byte[] payload, int... attach) throws IOException {
        send(request, payload, attach);
        return receive(request);
    }

    /** Waits for one reply, which must answer request. */
    public Reply receive(int request) throws IOException {
        int have = 0;
        int fdCount = 0;
        int size = -1;
        long deadline = System.nanoTime() + timeoutNanos;
        while (size < 0 || have < 12 + size) {
            int want = size < 0 ? 12 - have : 12 + size - have;
            long rc = socket.receive(buf.asSlice(have), want, fds, fdCount);
            if (rc == -Linux.EAGAIN) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no reply to request " + request);
                }
                LockSupport.parkNanos(50_000);
                continue;
            }
            if (rc == 0) {
                throw new IOException("back end closed the connection (waiting for reply to " + request + ")");
            }
            if (rc < 0) {
                throw new IOException("recvmsg: " + Linux.strerror((int) -rc));
            }
            fdCount += socket.lastFdCount();
            have += (int) rc;
            if (size < 0 && have >= 12) {
                size = buf.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
            }
        }
        int code = buf.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        int flags = buf.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
        if (code != request) {
            throw new IOException("reply to " + code + " while waiting for " + request);
        }
        int[] got = java.util.Arrays.copyOf(fds, fdCount);
        return new Reply(code, flags, buf.asSlice(12, size).toArray(ValueLayout.JAVA_BYTE), got);
    }

    /** True when the back end closed the connection (reads end of stream within the wait). */
    public boolean closedByPeer(long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (System.nanoTime() < deadline) {
            long rc = socket.receive(buf, 1, fds, 0);
            for (int i = 0; i < socket.lastFdCount(); i++) {
                Linux.close(fds[i]);
            }
            if (rc == 0 || (rc < 0 && rc != -Linux.EAGAIN)) {
                return true;
            }
            LockSupport.parkNanos(1_000_000);
        }
        return false;
    }

    // ---- payload builders --------------------------------------------------------------------

    public static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    public static byte[] state(int index, int num) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }

    public static byte[] vringAddr(int index, long desc, long used, long avail) {
        return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(0)
                .putLong(desc).putLong(used).putLong(avail).putLong(0).array();
    }

    public static byte[] memTable(GuestRam ram) {
        ByteBuffer b = ByteBuffer.allocate(8 + 32 * ram.regions().size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(ram.regions().size()).putInt(0);
        for (GuestRam.Region r : ram.regions()) {
            b.putLong(r.gpa()).putLong(r.size()).putLong(r.uva()).putLong(0);
        }
        return b.array();
    }

    public static byte[] memRegion(GuestRam.Region r) {
        return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(0)
                .putLong(r.gpa()).putLong(r.size()).putLong(r.uva()).putLong(0).array();
    }

    public static int[] memFds(GuestRam ram) {
        return ram.regions().stream().mapToInt(GuestRam.Region::fd).toArray();
    }

    @Override
    public void close() {
        socket.close();
        arena.close();
    }
}
