package org.vhostvertx.test.blk;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.u64;

/**
 * Live migration's dirty log as QEMU drives it, on a running device: LOG_SHMFD and LOG_ALL taken,
 * SET_LOG_BASE with a memfd, SET_VRING_ADDR with VHOST_VRING_F_LOG on the running ring. What a read
 * puts into guest memory marks its pages; what the device only reads does not; off is off.
 */
class DirtyLogProtocolTest {

    static final long LOG_ALL = 1L << 26;
    static final long P_LOG_SHMFD = 1L << 1;
    static final int SET_LOG_BASE = 6;
    static final int F_LOG = 1;

    @TempDir
    static Path dir;
    static Backend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = Backend.start(Backend.config(new JsonObject().put("id", "disk").put("type", "blk")
                .put("socket", dir.resolve("disk.sock").toString()).put("ram", true).put("size", "4M")));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    @ParameterizedTest(name = "packed {0}")
    @ValueSource(booleans = {false, true})
    void readsIntoGuestMemoryAreLoggedWhileLogAllIsOn(boolean packed) throws Exception {
        try (GuestRam ram = new GuestRam(0, 8 << 20);
             FrontEnd fe = FrontEnd.start(dir.resolve("disk.sock"), ram,
                     packed ? FrontEnd.Options.packedRing() : FrontEnd.Options.split())) {
            VhostUserClient c = fe.client();
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(64 << 10);
            long logBytes = ram.end() / 4096 / 8;
            int logFd = Linux.memfdCreate("test-dirty-log", Linux.MFD_CLOEXEC);
            Linux.ftruncate(logFd, logBytes);
            MemorySegment log = Linux.mmap(logBytes, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_SHARED, logFd, 0)
                    .reinterpret(logBytes);
            try {
                c.send(VhostUserClient.SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK | FrontEnd.P_CONFIG
                        | FrontEnd.P_STATUS | FrontEnd.P_MQ | P_LOG_SHMFD));
                assertEquals(0, c.sendAcked(VhostUserClient.SET_FEATURES, u64(fe.features() | LOG_ALL)));
                byte[] base = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(logBytes).putLong(0).array();
                assertEquals(0, c.call(SET_LOG_BASE, base, logFd).u64(), "SET_LOG_BASE's reply");

                assertEquals(0, blk.read(s, 0, 64 << 10));
                for (long p = s.data / 4096; p < (s.data + (64 << 10)) / 4096; p++) {
                    assertTrue(marked(log, p), "data page " + p + " read into");
                }
                assertTrue(marked(log, s.status / 4096), "the status byte's page");
                long ringPage = (packed ? fe.queue(0).ring.descGpa() : fe.queue(0).ring.deviceGpa()) / 4096;
                assertFalse(marked(log, ringPage), "the ring is not logged before it asks");

                // The running ring asks for its own writes to be logged, as QEMU does when migration starts.
                DriverRingAddr a = new DriverRingAddr(fe, ram);
                assertEquals(0, c.sendAcked(VhostUserClient.SET_VRING_ADDR, a.payload(F_LOG)));
                clear(log);
                byte[] pattern = new byte[4096];
                java.util.Arrays.fill(pattern, (byte) 7);
                assertEquals(0, blk.write(s, 8, pattern));
                assertFalse(marked(log, s.data / 4096), "data the device only read is not logged");
                assertTrue(marked(log, s.status / 4096), "the status byte it wrote is");
                assertTrue(marked(log, ringPage), "the ring's own writes now are");

                // Migration ends: LOG_ALL off, nothing is logged any more.
                assertEquals(0, c.sendAcked(VhostUserClient.SET_VRING_ADDR, a.payload(0)));
                assertEquals(0, c.sendAcked(VhostUserClient.SET_FEATURES, u64(fe.features())));
                clear(log);
                assertEquals(0, blk.read(s, 0, 4096));
                for (long p = 0; p < logBytes * 8; p++) {
                    assertFalse(marked(log, p), "page " + p + " logged with LOG_ALL off");
                }
            } finally {
                Linux.munmap(log.address(), logBytes);
                Linux.close(logFd);
            }
        }
    }

    /** SET_VRING_ADDR for queue 0 as the front end set it up, with flags. */
    record DriverRingAddr(FrontEnd fe, GuestRam ram) {
        byte[] payload(int flags) {
            var ring = fe.queue(0).ring;
            return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(flags)
                    .putLong(ram.uva(ring.descGpa())).putLong(ram.uva(ring.deviceGpa()))
                    .putLong(ram.uva(ring.driverGpa())).putLong(ring.deviceGpa()).array();
        }
    }

    static boolean marked(MemorySegment log, long page) {
        return (log.get(ValueLayout.JAVA_BYTE, page / 8) & (1 << (page % 8))) != 0;
    }

    static void clear(MemorySegment log) {
        log.fill((byte) 0);
    }
}
