package org.vhostvertx.test.restart;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vhostvertx.linux.EventFd;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.Signals;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.*;

/**
 * The back-end process is killed (SIGKILL) three times while our front end keeps 32 writes in
 * flight, each time stopped first at a moment it holds requests it took and has not returned, then
 * started again. With INFLIGHT_SHMFD every request completes exactly once and the image holds the
 * last write to every block, as QEMU's vhost-user-blk reconnect relies on. On both ring layouts;
 * on a packed ring every reconnect sends the ring's initial base, the stale one QEMU sends after a
 * crash (it cannot read a packed ring's position back from guest memory), so the inflight region
 * alone must say where the ring stands.
 */
class InflightRestartTest {

    static final long P_INFLIGHT_SHMFD = 1L << 12;
    static final int RING = 128;
    static final int BLOCK = 64 << 10;
    /** Blocks of the image; request i writes block i % BLOCKS, so the load can go on as long as needed. */
    static final int BLOCKS = 1200;
    /** The most requests a run may take to get its three kills in. */
    static final int MAX_REQUESTS = 200_000;
    static final int DEPTH = 32;

    @TempDir
    Path dir;

    /** The ring layout, and where its inflight region keeps the in-flight flags of head entries. */
    enum Layout {
        SPLIT(16, 16), PACKED(32, 32);

        final int header;
        final int entry;

        Layout(int header, int entry) {
            this.header = header;
            this.entry = entry;
        }

        DriverRing ring(GuestRam ram) {
            return this == PACKED ? new PackedDriverRing(ram, RING) : new SplitDriverRing(ram, RING, true);
        }

        /** The heads marked in flight in a mapping of the inflight buffer (one queue). */
        int inflight(MemorySegment m) {
            int n = 0;
            for (int i = 0; i < RING; i++) {
                if (m.get(ValueLayout.JAVA_BYTE, header + (long) entry * i) != 0) {
                    n++;
                }
            }
            return n;
        }
    }

    /** One outstanding write: which request it is and where its buffers are. */
    record Slot(long header, long data, long status) {
    }

    static byte[] block(int request) {
        byte[] b = new byte[BLOCK];
        new Random(request * 7919L).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void everyRequestCompletesExactlyOnceAcrossBackEndCrashes(Layout layout) throws Exception {
        Path socket = dir.resolve("disk.sock");
        Path image = dir.resolve("disk.img");
        JsonObject config = new JsonObject().put("workers", 1).put("pollMicros", 0)
                .put("devices", new io.vertx.core.json.JsonArray().add(new JsonObject().put("id", "disk")
                        .put("type", "blk").put("socket", socket.toString()).put("image", image.toString())
                        .put("size", (long) BLOCKS * BLOCK)));
        try (GuestRam ram = new GuestRam(0, 32 << 20);
             EventFd kick = new EventFd();
             EventFd call = new EventFd()) {
            DriverRing ring = layout.ring(ram);
            ArrayDeque<Slot> free = new ArrayDeque<>();
            for (int i = 0; i < DEPTH; i++) {
                free.add(new Slot(ram.alloc(16, 16), ram.alloc(BLOCK, 4096), ram.alloc(1, 1)));
            }
            Map<Integer, Integer> requestOfId = new HashMap<>();
            Map<Integer, Slot> slotOfId = new HashMap<>();
            int[] completions = new int[MAX_REQUESTS];
            int next = 0;
            int done = 0;
            int inflightAtKills = 0;
            int kills = 0;
            int inflightFd = -1;
            long inflightSize = 0;

            BackendProcess backend = BackendProcess.start(config, dir, socket);
            VhostUserClient client = null;
            long deadline = System.nanoTime() + 120_000_000_000L;
            try {
                // Until three kills happened and every block was written at least once, then drain.
                while (kills < 3 || done < next || next < BLOCKS) {
                    assertTrue(System.nanoTime() < deadline, kills + " kills and " + done + " of " + next
                            + " requests completed in 120 s; " + requestOfId.size() + " outstanding");
                    assertTrue(next < MAX_REQUESTS - DEPTH, "no kill caught requests in flight in " + next + " requests");
                    boolean submitting = kills < 3 || next < BLOCKS;
                    if (client == null) {
                        client = VhostUserClient.connect(socket);
                        long[] got = attach(client, ram, layout, ring, kick, call, inflightFd, inflightSize);
                        inflightFd = (int) got[0];
                        inflightSize = got[1];
                        ring.needsKick();
                        kick.signal();
                    }
                    while (submitting && !free.isEmpty()) {
                        Slot s = free.poll();
                        ram.write(s.data(), block(next));
                        ram.write(s.header(), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(1).putInt(0).putLong((long) (next % BLOCKS) * (BLOCK / 512)).array());
                        ram.write(s.status(), new byte[]{0x7f});
                        int id = ring.add(DriverRing.Buf.in(s.header(), 16), DriverRing.Buf.in(s.data(), BLOCK),
                                DriverRing.Buf.out(s.status(), 1));
                        requestOfId.put(id, next);
                        slotOfId.put(id, s);
                        next++;
                    }
                    if (ring.needsKick()) {
                        kick.signal();
                    }
                    if (kills < 3 && done > (kills + 1) * BLOCKS / 4
                            && frozeWithRequestsInFlight(layout, backend.pid(), inflightFd, inflightSize)) {
                        // The back end is stopped holding requests (taken, not returned): kill it.
                        backend.kill();
                        kills++;
                        inflightAtKills += countInflight(layout, inflightFd, inflightSize);
                        client.close();
                        client = null;
                        backend = BackendProcess.start(config, dir, socket);
                        continue;
                    }
                    DriverRing.Used u;
                    while ((u = ring.pollUsed()) != null) {
                        Integer request = requestOfId.remove(u.id());
                        assertNotNull(request, "completion of id " + u.id() + " that is not outstanding");
                        Slot s = slotOfId.remove(u.id());
                        assertEquals(0, ram.read(s.status(), 1)[0], "status of request " + request);
                        assertEquals(1, u.len(), "used length of a write");
                        completions[request]++;
                        done++;
                        free.add(s);
                    }
                    call.drain();
                }
            } finally {
                if (client != null) {
                    client.close();
                }
                backend.close();
                Linux.close(inflightFd);
            }
            assertEquals(3, kills);
            assertTrue(inflightAtKills > 0, "no request was in flight at any of the kills");
            for (int i = 0; i < next; i++) {
                assertEquals(1, completions[i], "completions of request " + i);
            }
            // At most DEPTH requests are outstanding at once, far fewer than BLOCKS: the last request
            // to each block is the one the image holds.
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
                byte[] b = new byte[BLOCK];
                for (int blockNo = 0; blockNo < BLOCKS; blockNo++) {
                    int last = next - 1 - Math.floorMod(next - 1 - blockNo, BLOCKS);
                    f.seek((long) blockNo * BLOCK);
                    f.readFully(b);
                    assertArrayEquals(block(last), b, "block " + blockNo + " holds request " + last);
                }
            }
        }
    }

    /**
     * Negotiates as QEMU's vhost-user-blk does on (re)connect: the features are set before the
     * inflight buffer is fetched (once) and handed back after every restart, and the ring restarts
     * from the base QEMU has after a crash: a split ring's used index in memory, a packed ring's
     * initial base. Returns the inflight fd and its size.
     */
    static long[] attach(VhostUserClient c, GuestRam ram, Layout layout, DriverRing ring, EventFd kick,
                         EventFd call, int inflightFd, long inflightSize) throws IOException {
        long offered = c.call(GET_FEATURES, new byte[0]).u64();
        long protocol = c.call(GET_PROTOCOL_FEATURES, new byte[0]).u64();
        assertTrue((protocol & P_INFLIGHT_SHMFD) != 0, "INFLIGHT_SHMFD offered");
        c.send(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK | FrontEnd.P_CONFIG | P_INFLIGHT_SHMFD));
        c.send(SET_OWNER, new byte[0]);
        long features = FrontEnd.VERSION_1 | FrontEnd.PROTOCOL_FEATURES | FrontEnd.EVENT_IDX | (offered & 0xffffffL
                & ~FrontEnd.INDIRECT_DESC) | (layout == Layout.PACKED ? FrontEnd.RING_PACKED : 0);
        assertEquals(0, c.sendAcked(SET_FEATURES, u64(features & offered)));
        assertEquals(0, c.sendAcked(SET_MEM_TABLE, memTable(ram), memFds(ram)));
        if (inflightFd < 0) {
            ByteBuffer q = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            q.putShort(16, (short) 1).putShort(18, (short) RING);
            VhostUserClient.Reply r = c.call(GET_INFLIGHT_FD, q.array());
            assertEquals(1, r.fds().length, "GET_INFLIGHT_FD carries the buffer");
            inflightFd = r.fds()[0];
            inflightSize = r.body().getLong(0);
        }
        ByteBuffer s = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        s.putLong(0, inflightSize).putLong(8, 0).putShort(16, (short) 1).putShort(18, (short) RING);
        assertEquals(0, c.sendAcked(32 /* SET_INFLIGHT_FD */, s.array(), inflightFd));
        int base = layout == Layout.PACKED ? ring.initialBase()
                : Short.toUnsignedInt(ram.at(ring.deviceGpa() + 2, 2).get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        assertEquals(0, c.sendAcked(SET_VRING_NUM, state(0, RING)));
        assertEquals(0, c.sendAcked(SET_VRING_BASE, state(0, base)));
        assertEquals(0, c.sendAcked(SET_VRING_ADDR, vringAddr(0, ram.uva(ring.descGpa()), ram.uva(ring.deviceGpa()),
                ram.uva(ring.driverGpa()))));
        assertEquals(0, c.sendAcked(SET_VRING_KICK, u64(0), kick.fd()));
        assertEquals(0, c.sendAcked(SET_VRING_CALL, u64(0), call.fd()));
        assertEquals(0, c.sendAcked(SET_VRING_ENABLE, state(0, 1)));
        return new long[]{inflightFd, inflightSize};
    }

    /**
     * Stops the back end (SIGSTOP) if its inflight region shows requests taken and not returned, and
     * they are still there once it has stopped; otherwise lets it go on (SIGCONT) and says false,
     * so the caller keeps the load going and tries again.
     */
    static boolean frozeWithRequestsInFlight(Layout layout, long pid, int fd, long size) {
        MemorySegment m = Linux.mmap(size, Linux.PROT_READ, Linux.MAP_SHARED, fd, 0).reinterpret(size);
        try {
            if (layout.inflight(m) == 0) {
                return false;
            }
            Signals.send(pid, Signals.SIGSTOP);
            // Signals are delivered asynchronously: look again once every thread has surely stopped.
            LockSupport.parkNanos(5_000_000);
            if (layout.inflight(m) > 0) {
                return true;
            }
            Signals.send(pid, Signals.SIGCONT);
            return false;
        } finally {
            Linux.munmap(m.address(), size);
        }
    }

    /** Heads the dead back end had marked in flight. */
    static int countInflight(Layout layout, int fd, long size) {
        MemorySegment m = Linux.mmap(size, Linux.PROT_READ, Linux.MAP_SHARED, fd, 0).reinterpret(size);
        try {
            return layout.inflight(m);
        } finally {
            Linux.munmap(m.address(), size);
        }
    }
}
