package org.vhostvertx.test.restart;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vhostvertx.linux.EventFd;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.ScsiDriver;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.*;

/**
 * The back-end process is killed (SIGKILL) three times while our front end keeps 32 writes in
 * flight, each time stopped first at a moment it holds requests it took and has not returned, then
 * started again. With INFLIGHT_SHMFD every request completes exactly once and the image holds the
 * last write to every block, as QEMU's vhost-user-blk reconnect relies on. For a blk device and for
 * a scsi device (WRITE(16) to LUN 0 through its first request queue, its event queue holding the
 * driver's buffers meanwhile: none may come back, there is no event), on both ring layouts;
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

    /** The device under load: its configuration, the queue the writes go to, and how a write is built and checked. */
    enum Device {
        BLK(0, 1, 16, 1) {
            @Override
            JsonObject entry(Path socket, Path image) {
                return new JsonObject().put("id", "disk").put("type", "blk").put("socket", socket.toString())
                        .put("image", image.toString()).put("size", (long) BLOCKS * BLOCK);
            }

            @Override
            int add(DriverRing ring, GuestRam ram, Slot s, int request) {
                ram.write(s.header(), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(1).putInt(0).putLong(sector(request)).array());
                ram.write(s.status(), new byte[]{0x7f});
                return ring.add(DriverRing.Buf.in(s.header(), 16), DriverRing.Buf.in(s.data(), BLOCK),
                        DriverRing.Buf.out(s.status(), 1));
            }

            @Override
            boolean good(GuestRam ram, Slot s, DriverRing.Used u, int request) {
                assertEquals(0, ram.read(s.status(), 1)[0], "status of request " + request);
                assertEquals(1, u.len(), "used length of a write");
                return true;
            }
        },
        // Queue 0 is control, 1 events, 2 the first request queue: three queues.
        SCSI(2, 3, ScsiDriver.REQ_HEADER, ScsiDriver.RESP_SIZE) {
            @Override
            JsonObject entry(Path socket, Path image) {
                return new JsonObject().put("id", "disk").put("type", "scsi").put("socket", socket.toString())
                        .put("luns", new JsonArray().add(new JsonObject().put("image", image.toString())
                                .put("size", (long) BLOCKS * BLOCK)));
            }

            @Override
            int add(DriverRing ring, GuestRam ram, Slot s, int request) {
                ram.write(s.header(), ScsiDriver.rw16(request, true, sector(request), BLOCK / 512));
                ram.write(s.status(), new byte[ScsiDriver.RESP_SIZE]);
                ram.write(s.status() + 10, new byte[]{0x7f, 0x7f});
                return ring.add(DriverRing.Buf.in(s.header(), ScsiDriver.REQ_HEADER),
                        DriverRing.Buf.in(s.data(), BLOCK), DriverRing.Buf.out(s.status(), ScsiDriver.RESP_SIZE));
            }

            /**
             * GOOD; or, for the first command a LUN of a newly started back end serves, CHECK CONDITION
             * with its power-on unit attention (the command did not run): false, and the write goes
             * again, as Linux's sd retries it.
             */
            @Override
            boolean good(GuestRam ram, Slot s, DriverRing.Used u, int request) {
                ScsiDriver.Response r = ScsiDriver.response(ram.read(s.status(), ScsiDriver.RESP_SIZE), u.len(),
                        new byte[0]);
                assertEquals(0, r.response(), "virtio response of request " + request);
                if (r.status() == 2 && r.senseKey() == 6 && r.asc() == 0x29 && r.ascq() == 0) {
                    return false;
                }
                assertEquals(0, r.status(), "SCSI status of request " + request + ", sense key " + r.senseKey()
                        + " asc " + r.asc() + " ascq " + r.ascq());
                assertEquals(0, r.residual(), "residual of request " + request);
                assertTrue(u.len() >= 12 && u.len() <= ScsiDriver.RESP_SIZE, "used length " + u.len());
                return true;
            }
        };

        /** The queue the writes go to, and the queues the inflight buffer is asked for. */
        final int queue;
        final int queues;
        final int headerSize;
        final int statusSize;

        Device(int queue, int queues, int headerSize, int statusSize) {
            this.queue = queue;
            this.queues = queues;
            this.headerSize = headerSize;
            this.statusSize = statusSize;
        }

        abstract JsonObject entry(Path socket, Path image);

        /** Makes request a write of its block in the slot's buffers, adds it to ring, returns its id. */
        abstract int add(DriverRing ring, GuestRam ram, Slot s, int request);

        /** Checks a completed write: true if it wrote, false if it must go again. */
        abstract boolean good(GuestRam ram, Slot s, DriverRing.Used u, int request);

        static long sector(int request) {
            return (long) (request % BLOCKS) * (BLOCK / 512);
        }
    }

    static Stream<Arguments> devicesAndLayouts() {
        return Arrays.stream(Device.values()).flatMap(d -> Arrays.stream(Layout.values()).map(l -> Arguments.of(d, l)));
    }

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

        /**
         * The heads marked in flight in queue's region of a mapping of the inflight buffer, which the
         * back end split into equal 64-byte-aligned shares for queues queues.
         */
        int inflight(MemorySegment m, int queue, int queues) {
            long region = queue * (m.byteSize() / queues & ~63L);
            int n = 0;
            for (int i = 0; i < RING; i++) {
                if (m.get(ValueLayout.JAVA_BYTE, region + header + (long) entry * i) != 0) {
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

    /** Event buffers the driver leaves in a scsi device's event queue for the whole run. */
    static final int EVENT_BUFFERS = 8;

    @ParameterizedTest(name = "{0} on a {1} ring")
    @MethodSource("devicesAndLayouts")
    void everyRequestCompletesExactlyOnceAcrossBackEndCrashes(Device device, Layout layout) throws Exception {
        Path socket = dir.resolve("disk.sock");
        Path image = dir.resolve("disk.img");
        JsonObject config = new JsonObject().put("workers", 1).put("pollMicros", 0)
                .put("devices", new JsonArray().add(device.entry(socket, image)));
        try (GuestRam ram = new GuestRam(0, 32 << 20);
             EventFd kick = new EventFd();
             EventFd call = new EventFd();
             EventFd eventKick = new EventFd();
             EventFd eventCall = new EventFd()) {
            Rings rings = new Rings(device, layout.ring(ram), kick, call);
            DriverRing events = null;
            if (device == Device.SCSI) {
                events = layout.ring(ram);
                for (int i = 0; i < EVENT_BUFFERS; i++) {
                    events.add(DriverRing.Buf.out(ram.alloc(16, 8), 16));
                }
                rings.add(1, events, eventKick, eventCall);
            }
            DriverRing ring = rings.ring(device.queue);
            ArrayDeque<Slot> free = new ArrayDeque<>();
            for (int i = 0; i < DEPTH; i++) {
                free.add(new Slot(ram.alloc(device.headerSize, 16), ram.alloc(BLOCK, 4096),
                        ram.alloc(device.statusSize, 8)));
            }
            Map<Integer, Integer> requestOfId = new HashMap<>();
            Map<Integer, Slot> slotOfId = new HashMap<>();
            ArrayDeque<Integer> again = new ArrayDeque<>();
            int[] completions = new int[MAX_REQUESTS];
            int next = 0;
            int done = 0;
            int repeated = 0;
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
                        long[] got = attach(client, ram, layout, rings, inflightFd, inflightSize);
                        inflightFd = (int) got[0];
                        inflightSize = got[1];
                        ring.needsKick();
                        kick.signal();
                    }
                    while (!free.isEmpty() && (!again.isEmpty() || submitting)) {
                        Slot s = free.poll();
                        int request = again.isEmpty() ? next++ : again.poll();
                        ram.write(s.data(), block(request));
                        int id = device.add(ring, ram, s, request);
                        requestOfId.put(id, request);
                        slotOfId.put(id, s);
                    }
                    if (ring.needsKick()) {
                        kick.signal();
                    }
                    if (kills < 3 && done > (kills + 1) * BLOCKS / 4
                            && frozeWithRequestsInFlight(layout, device, backend.pid(), inflightFd, inflightSize)) {
                        // The back end is stopped holding requests (taken, not returned): kill it.
                        backend.kill();
                        kills++;
                        inflightAtKills += countInflight(layout, device, inflightFd, inflightSize);
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
                        if (device.good(ram, s, u, request)) {
                            completions[request]++;
                            done++;
                        } else {
                            again.add(request);
                            repeated++;
                        }
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
            assertTrue(repeated <= kills + 1, repeated + " writes answered with a unit attention in "
                    + (kills + 1) + " back-end starts");
            for (int i = 0; i < next; i++) {
                assertEquals(1, completions[i], "completions of request " + i);
            }
            if (events != null) {
                assertNull(events.pollUsed(), "an event reported where there was none");
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

    /** The rings our front end starts, by queue index, with their kick and call eventfds. */
    static final class Rings {
        final Device device;
        final Map<Integer, DriverRing> rings = new TreeMap<>();
        final Map<Integer, EventFd[]> fds = new HashMap<>();

        Rings(Device device, DriverRing requests, EventFd kick, EventFd call) {
            this.device = device;
            add(device.queue, requests, kick, call);
        }

        void add(int index, DriverRing ring, EventFd kick, EventFd call) {
            rings.put(index, ring);
            fds.put(index, new EventFd[]{kick, call});
        }

        DriverRing ring(int index) {
            return rings.get(index);
        }
    }

    /**
     * Negotiates as QEMU's vhost-user-blk does on (re)connect: the features are set before the
     * inflight buffer is fetched (once) and handed back after every restart, and each ring restarts
     * from the base QEMU has after a crash: a split ring's used index in memory, a packed ring's
     * initial base. Returns the inflight fd and its size.
     */
    static long[] attach(VhostUserClient c, GuestRam ram, Layout layout, Rings rings, int inflightFd,
                         long inflightSize) throws IOException {
        long offered = c.call(GET_FEATURES, new byte[0]).u64();
        long protocol = c.call(GET_PROTOCOL_FEATURES, new byte[0]).u64();
        assertTrue((protocol & P_INFLIGHT_SHMFD) != 0, "INFLIGHT_SHMFD offered");
        c.send(SET_PROTOCOL_FEATURES, u64(protocol & (FrontEnd.P_REPLY_ACK | FrontEnd.P_CONFIG | P_INFLIGHT_SHMFD)));
        c.send(SET_OWNER, new byte[0]);
        long features = FrontEnd.VERSION_1 | FrontEnd.PROTOCOL_FEATURES | FrontEnd.EVENT_IDX | (offered & 0xffffffL
                & ~FrontEnd.INDIRECT_DESC) | (layout == Layout.PACKED ? FrontEnd.RING_PACKED : 0);
        assertEquals(0, c.sendAcked(SET_FEATURES, u64(features & offered)));
        assertEquals(0, c.sendAcked(SET_MEM_TABLE, memTable(ram), memFds(ram)));
        int queues = rings.device.queues;
        if (inflightFd < 0) {
            ByteBuffer q = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            q.putShort(16, (short) queues).putShort(18, (short) RING);
            VhostUserClient.Reply r = c.call(GET_INFLIGHT_FD, q.array());
            assertEquals(1, r.fds().length, "GET_INFLIGHT_FD carries the buffer");
            inflightFd = r.fds()[0];
            inflightSize = r.body().getLong(0);
        }
        ByteBuffer s = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        s.putLong(0, inflightSize).putLong(8, 0).putShort(16, (short) queues).putShort(18, (short) RING);
        assertEquals(0, c.sendAcked(32 /* SET_INFLIGHT_FD */, s.array(), inflightFd));
        for (Map.Entry<Integer, DriverRing> e : rings.rings.entrySet()) {
            int index = e.getKey();
            DriverRing ring = e.getValue();
            EventFd[] fds = rings.fds.get(index);
            int base = layout == Layout.PACKED ? ring.initialBase()
                    : Short.toUnsignedInt(ram.at(ring.deviceGpa() + 2, 2).get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            assertEquals(0, c.sendAcked(SET_VRING_NUM, state(index, RING)));
            assertEquals(0, c.sendAcked(SET_VRING_BASE, state(index, base)));
            assertEquals(0, c.sendAcked(SET_VRING_ADDR, vringAddr(index, ram.uva(ring.descGpa()),
                    ram.uva(ring.deviceGpa()), ram.uva(ring.driverGpa()))));
            assertEquals(0, c.sendAcked(SET_VRING_KICK, u64(index), fds[0].fd()));
            assertEquals(0, c.sendAcked(SET_VRING_CALL, u64(index), fds[1].fd()));
            assertEquals(0, c.sendAcked(SET_VRING_ENABLE, state(index, 1)));
        }
        return new long[]{inflightFd, inflightSize};
    }

    /**
     * Stops the back end (SIGSTOP) if its inflight region shows requests taken and not returned, and
     * they are still there once it has stopped; otherwise lets it go on (SIGCONT) and says false,
     * so the caller keeps the load going and tries again.
     */
    static boolean frozeWithRequestsInFlight(Layout layout, Device device, long pid, int fd, long size) {
        MemorySegment m = Linux.mmap(size, Linux.PROT_READ, Linux.MAP_SHARED, fd, 0).reinterpret(size);
        try {
            if (layout.inflight(m, device.queue, device.queues) == 0) {
                return false;
            }
            Signals.send(pid, Signals.SIGSTOP);
            // Signals are delivered asynchronously: look again once every thread has surely stopped.
            LockSupport.parkNanos(5_000_000);
            if (layout.inflight(m, device.queue, device.queues) > 0) {
                return true;
            }
            Signals.send(pid, Signals.SIGCONT);
            return false;
        } finally {
            Linux.munmap(m.address(), size);
        }
    }

    /** Heads the dead back end had marked in flight. */
    static int countInflight(Layout layout, Device device, int fd, long size) {
        MemorySegment m = Linux.mmap(size, Linux.PROT_READ, Linux.MAP_SHARED, fd, 0).reinterpret(size);
        try {
            return layout.inflight(m, device.queue, device.queues);
        } finally {
            Linux.munmap(m.address(), size);
        }
    }
}
