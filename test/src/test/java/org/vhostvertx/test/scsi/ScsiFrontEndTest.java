package org.vhostvertx.test.scsi;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.ScsiDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.ScsiDriver.lun;

/** virtio-scsi through our Java front end: request, control and event queues, LUNs added and removed live. */
class ScsiFrontEndTest {

    static final int GOOD = 0;
    static final int CHECK_CONDITION = 2;
    static final int S_OK = 0;
    static final int S_BAD_TARGET = 3;

    @TempDir
    static Path dir;
    static Backend backend;
    static Path socket;

    GuestRam ram;
    FrontEnd fe;
    ScsiDriver scsi;

    @BeforeAll
    static void start() throws Exception {
        socket = dir.resolve("scsi.sock");
        backend = Backend.start(Backend.config(new JsonObject().put("id", "s").put("type", "scsi")
                .put("socket", socket.toString()).put("queues", 1).put("luns", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("image", dir.resolve("lun0.img").toString()).put("size", "8M")
                                .put("vendor", "VHOSTVX").put("product", "TESTDISK0"))
                        .add(new JsonObject().put("ram", true).put("size", "4M").put("readOnly", true)
                                .put("product", "TESTDISK1")))));
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    @BeforeEach
    void connect() throws Exception {
        ram = new GuestRam(0, 8 << 20);
        fe = FrontEnd.start(socket, ram, FrontEnd.Options.split().withQueues(3));
        scsi = new ScsiDriver(fe.queue(2), ram, 256 << 10);
        clearUnitAttention(0);
        clearUnitAttention(1);
    }

    @AfterEach
    void close() {
        fe.close();
        ram.close();
    }

    void clearUnitAttention(int lun) throws Exception {
        for (int i = 0; i < 4; i++) {
            if (scsi.command(lun(lun), new byte[6], new byte[0], 0).status() == GOOD) {
                return;
            }
        }
    }

    static byte[] read10(long lba, int blocks) {
        return ByteBuffer.allocate(10).put((byte) 0x28).put((byte) 0).putInt((int) lba).put((byte) 0)
                .putShort((short) blocks).put((byte) 0).array();
    }

    static byte[] write10(long lba, int blocks) {
        byte[] c = read10(lba, blocks);
        c[0] = 0x2a;
        return c;
    }

    @Test
    void inquiryReportsTheConfiguredIdentity() throws Exception {
        ScsiDriver.Response r = scsi.command(lun(0), new byte[]{0x12, 0, 0, 0, 96, 0}, new byte[0], 96);
        assertEquals(S_OK, r.response());
        assertEquals(GOOD, r.status());
        assertEquals(0, r.dataIn()[0], "direct-access block device");
        assertEquals("VHOSTVX ", new String(r.dataIn(), 8, 8, StandardCharsets.US_ASCII));
        assertEquals("TESTDISK0       ", new String(r.dataIn(), 16, 16, StandardCharsets.US_ASCII));
    }

    @Test
    void unitAttentionComesFirstAfterAReset() throws Exception {
        DriverRing ctrl = fe.queue(0).ring;
        long req = ram.alloc(24, 8);
        long resp = ram.alloc(1, 1);
        ram.write(req, ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(5 /* LUN RESET */)
                .put(lun(0)).putLong(1).array());
        ctrl.add(DriverRing.Buf.in(req, 24), DriverRing.Buf.out(resp, 1));
        fe.queue(0).kickIfNeeded();
        assertEquals(1, fe.queue(0).awaitUsed(10_000).len());
        assertEquals(0, ram.read(resp, 1)[0], "LUN RESET: function complete");
        ScsiDriver.Response r = scsi.command(lun(0), new byte[6], new byte[0], 0);
        assertEquals(CHECK_CONDITION, r.status());
        assertEquals(0x6, r.senseKey());
        assertEquals(0x29, r.asc());
        assertEquals(GOOD, scsi.command(lun(0), new byte[6], new byte[0], 0).status());
    }

    @Test
    void writesReadBackAcrossManyBlocks() throws Exception {
        byte[] data = new byte[128 << 10];
        new Random(5).nextBytes(data);
        assertEquals(GOOD, scsi.command(lun(0), write10(1000, 256), data, 0).status());
        ScsiDriver.Response r = scsi.command(lun(0), read10(1000, 256), new byte[0], data.length);
        assertEquals(GOOD, r.status());
        assertEquals(0, r.residual());
        assertArrayEquals(data, r.dataIn());
        assertEquals(GOOD, scsi.command(lun(0), new byte[]{0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}, new byte[0], 0).status(),
                "SYNCHRONIZE CACHE(10)");
    }

    @Test
    void unknownLunAndTargetGetBadTarget() throws Exception {
        assertEquals(S_BAD_TARGET, scsi.command(lun(7), new byte[6], new byte[0], 0).response());
        byte[] otherTarget = lun(0);
        otherTarget[1] = 1;
        assertEquals(S_BAD_TARGET, scsi.command(otherTarget, new byte[6], new byte[0], 0).response());
    }

    @Test
    void badCommandsGetTheirSense() throws Exception {
        ScsiDriver.Response r = scsi.command(lun(0), new byte[]{(byte) 0xff, 0, 0, 0, 0, 0}, new byte[0], 0);
        assertEquals(CHECK_CONDITION, r.status());
        assertEquals(0x5, r.senseKey());
        assertEquals(0x20, r.asc(), "INVALID COMMAND OPERATION CODE");
        r = scsi.command(lun(0), new byte[]{0x12, 0, (byte) 0x80, 0, 96, 0}, new byte[0], 96);
        assertEquals(0x24, r.asc(), "INQUIRY page code without EVPD: INVALID FIELD IN CDB");
        r = scsi.command(lun(0), read10((8 << 20) / 512, 1), new byte[0], 512);
        assertEquals(0x21, r.asc(), "LBA out of range");
        r = scsi.command(lun(1), write10(0, 1), new byte[512], 0);
        assertEquals(0x7, r.senseKey(), "read-only LUN: DATA PROTECT");
        assertEquals(0x27, r.asc());
    }

    @Test
    void dataLengthDisagreeingWithTheCdbNeverOverruns() throws Exception {
        byte[] data = new byte[4096];
        new Random(9).nextBytes(data);
        assertEquals(GOOD, scsi.command(lun(0), write10(50, 8), data, 0).status());
        // READ(10) of 8 blocks into 2048 bytes of data-in.
        ScsiDriver.Response r = scsi.command(lun(0), read10(50, 8), new byte[0], 2048);
        assertTrue(r.usedLength() <= ScsiDriver.RESP_SIZE + 2048, "used length " + r.usedLength());
        if (r.status() == GOOD) {
            assertArrayEquals(Arrays.copyOf(data, 2048), r.dataIn());
        } else {
            assertEquals(CHECK_CONDITION, r.status());
        }
    }

    @Test
    void senseBufferTooSmallIsTruncatedNotOverrun() throws Exception {
        ScsiDriver.Response r = scsi.command(lun(0), new byte[]{(byte) 0xff, 0, 0, 0, 0, 0}, new byte[0], 0, 20);
        assertEquals(S_OK, r.response());
        assertEquals(CHECK_CONDITION, r.status());
        assertEquals(8, r.senseLength(), "only 8 of the 18 sense bytes fit after the 12-byte response header");
        assertEquals(20, r.usedLength());
    }

    @Test
    void asyncNotificationQueryReportsNoEvents() throws Exception {
        DriverRing ctrl = fe.queue(0).ring;
        long req = ram.alloc(16, 8);
        long resp = ram.alloc(5, 8);
        ram.write(req, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(1).put(lun(0)).putInt(0xff).array());
        ctrl.add(DriverRing.Buf.in(req, 16), DriverRing.Buf.out(resp, 5));
        fe.queue(0).kickIfNeeded();
        assertEquals(5, fe.queue(0).awaitUsed(10_000).len());
        assertArrayEquals(new byte[5], ram.read(resp, 5));
    }

    JsonObject control(JsonObject request) throws Exception {
        return backend.vertx().eventBus().<JsonObject>request(Backend.controlAddress("s"), request)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }

    ByteBuffer awaitEvent(long buf) throws Exception {
        DriverRing.Used u = fe.queue(1).awaitUsed(10_000);
        assertEquals(16, u.len());
        return ByteBuffer.wrap(ram.read(buf + 16L * u.id(), 16)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void lunsComeAndGoWithEventsAndResizeRaisesAUnitAttention() throws Exception {
        long events = ram.alloc(16 * 8, 16);
        DriverRing ev = fe.queue(1).ring;
        for (int i = 0; i < 4; i++) {
            assertEquals(i, ev.add(DriverRing.Buf.out(events + 16L * i, 16)));
        }
        fe.queue(1).kickIfNeeded();

        assertEquals(2, control(new JsonObject().put("action", "lun-add").put("ram", true).put("size", "1M"))
                .getInteger("lun"));
        ByteBuffer e = awaitEvent(events);
        assertEquals(1, e.getInt(0), "TRANSPORT_RESET");
        assertArrayEquals(new byte[]{1, 0, 0, 2, 0, 0, 0, 0}, Arrays.copyOfRange(e.array(), 4, 12),
                "peripheral addressing for a LUN below 256, as Linux reads events");
        assertEquals(1, e.getInt(12), "RESCAN");
        ScsiDriver.Response luns = scsi.command(lun(0), new byte[]{(byte) 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0},
                new byte[0], 256);
        assertEquals(GOOD, luns.status());
        assertEquals(24, ByteBuffer.wrap(luns.dataIn()).getInt(0), "REPORT LUNS lists 3 LUNs");

        control(new JsonObject().put("action", "lun-resize").put("lun", 2).put("size", "2M"));
        e = awaitEvent(events);
        assertEquals(3, e.getInt(0), "PARAM_CHANGE");
        assertEquals(0x092a, e.getInt(12), "ASC 2A ASCQ 09");
        java.util.List<Integer> attentions = new java.util.ArrayList<>();
        ScsiDriver.Response tur;
        while ((tur = scsi.command(lun(2), new byte[6], new byte[0], 0)).status() != GOOD && attentions.size() < 4) {
            assertEquals(0x6, tur.senseKey());
            attentions.add(tur.asc() << 8 | tur.ascq());
        }
        assertTrue(attentions.contains(0x2a09), "CAPACITY DATA HAS CHANGED among " + attentions);
        ScsiDriver.Response r = scsi.command(lun(2), new byte[]{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, new byte[0], 8);
        assertEquals(GOOD, r.status());
        assertEquals((2 << 20) / 512 - 1, ByteBuffer.wrap(r.dataIn()).getInt(0), "READ CAPACITY(10) after resize");

        control(new JsonObject().put("action", "lun-remove").put("lun", 2));
        e = awaitEvent(events);
        assertEquals(1, e.getInt(0));
        assertEquals(2, e.getInt(12), "REMOVED");
        assertEquals(S_BAD_TARGET, scsi.command(lun(2), new byte[6], new byte[0], 0).response());
    }
}
