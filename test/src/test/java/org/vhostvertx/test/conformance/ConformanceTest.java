package org.vhostvertx.test.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.vhostvertx.linux.EventFd;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.DriverRing.Buf;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.ProcessResources;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.test.frontend.VhostUserClient;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.frontend.VhostUserClient.*;

/**
 * A front end that gets things wrong, on purpose: every bad request ends in a clear refusal or a
 * device that needs a reset, the connection or the device is all that is affected, a second device
 * in the same JVM keeps serving, and no descriptor or mapping leaks. Every request that
 * vhost-user.rst gates behind a feature ({@link GatedRequest}) is refused without it and served
 * with it.
 */
class ConformanceTest {

    static final long NEEDS_RESET = 0x40;

    @TempDir
    static Path dir;
    static Backend backend;
    static Path victim;
    static Path bystander;
    /** A net port, for the requests only net devices serve. */
    static Path netPort;
    static final List<JsonObject> events = new CopyOnWriteArrayList<>();

    long fdsBefore;
    long mapsBefore;

    @BeforeAll
    static void start() throws Exception {
        victim = dir.resolve("victim.sock");
        bystander = dir.resolve("bystander.sock");
        netPort = dir.resolve("net.sock");
        backend = Backend.start(Backend.config(
                new JsonObject().put("id", "victim").put("type", "blk").put("socket", victim.toString())
                        .put("ram", true).put("size", "4M"),
                new JsonObject().put("id", "bystander").put("type", "blk").put("socket", bystander.toString())
                        .put("ram", true).put("size", "4M"),
                new JsonObject().put("id", "net").put("type", "net").put("port", "reflect")
                        .put("socket", netPort.toString())));
        backend.vertx().eventBus().<JsonObject>consumer("vhost.events", m -> events.add(m.body())).completion()
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    @BeforeEach
    void baseline() throws IOException {
        fdsBefore = ProcessResources.self().openFds();
        mapsBefore = ProcessResources.self().mappings("test-guest-ram");
    }

    /** After each case: the bystander still serves, and nothing the bad front end sent is left open. */
    @AfterEach
    void bystanderServesAndNothingLeaks() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(bystander, ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            byte[] data = new byte[4096];
            new Random(1).nextBytes(data);
            assertEquals(0, blk.write(s, 8, data));
            assertEquals(0, blk.read(s, 8, 4096));
            assertArrayEquals(data, blk.data(s, 4096));
        }
        // The back end notices the closed connections asynchronously.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((ProcessResources.self().openFds() != fdsBefore || ProcessResources.self().mappings("test-guest-ram") != mapsBefore)
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(fdsBefore, ProcessResources.self().openFds(), "open descriptors after the case");
        assertEquals(mapsBefore, ProcessResources.self().mappings("test-guest-ram"), "guest memory mappings after the case");
    }

    private static VhostUserClient negotiated(Path socket) throws IOException {
        VhostUserClient c = VhostUserClient.connect(socket);
        c.call(GET_FEATURES, new byte[0]);
        c.call(GET_PROTOCOL_FEATURES, new byte[0]);
        c.send(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_MQ | FrontEnd.P_REPLY_ACK | FrontEnd.P_CONFIG
                | FrontEnd.P_STATUS));
        return c;
    }

    /** The connection is still usable: a request gets its reply. */
    private static void stillAnswers(VhostUserClient c) throws IOException {
        assertNotEquals(0, c.call(GET_FEATURES, new byte[0]).u64());
    }

    private static void awaitNeedsReset(FrontEnd fe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((fe.status() & NEEDS_RESET) == 0) {
            assertTrue(System.nanoTime() < deadline, "device did not report NEEDS_RESET");
            Thread.sleep(10);
        }
    }

    // ---- malformed messages -----------------------------------------------------------------

    @Test
    void wrongPayloadSizeIsRefusedAndTheConnectionGoesOn() throws Exception {
        try (VhostUserClient c = negotiated(victim)) {
            c.sendRaw(SET_FEATURES, 0x1 | FLAG_NEED_REPLY, new byte[4], -1);
            assertNotEquals(0, c.receive(SET_FEATURES).u64(), "SET_FEATURES with 4 bytes");
            c.sendRaw(SET_VRING_NUM, 0x1 | FLAG_NEED_REPLY, new byte[12], -1);
            assertNotEquals(0, c.receive(SET_VRING_NUM).u64(), "SET_VRING_NUM with 12 bytes");
            c.sendRaw(SET_MEM_TABLE, 0x1 | FLAG_NEED_REPLY, new byte[8 + 32], -1);
            assertNotEquals(0, c.receive(SET_MEM_TABLE).u64(), "SET_MEM_TABLE with no region count");
            stillAnswers(c);
        }
    }

    @Test
    void extraDescriptorsAreRefusedAndClosed() throws Exception {
        try (VhostUserClient c = negotiated(victim)) {
            EventFd a = new EventFd();
            EventFd b = new EventFd();
            EventFd d = new EventFd();
            c.sendRaw(SET_FEATURES, 0x1 | FLAG_NEED_REPLY, u64(FrontEnd.VERSION_1), -1, a.fd(), b.fd(), d.fd());
            assertNotEquals(0, c.receive(SET_FEATURES).u64());
            c.sendRaw(GET_QUEUE_NUM, 0x1, new byte[0], -1, a.fd());
            // A request with its own reply that is malformed closes the connection: we cannot answer it.
            assertTrue(c.closedByPeer(5000));
            a.close();
            b.close();
            d.close();
        }
    }

    @Test
    void missingDescriptorIsRefused() throws Exception {
        try (VhostUserClient c = negotiated(victim)) {
            c.sendRaw(SET_VRING_KICK, 0x1 | FLAG_NEED_REPLY, u64(0), -1);
            assertNotEquals(0, c.receive(SET_VRING_KICK).u64(), "kick without fd and without the no-fd flag");
            EventFd e = new EventFd();
            c.sendRaw(SET_VRING_CALL, 0x1 | FLAG_NEED_REPLY, u64(0x100), -1, e.fd());
            assertNotEquals(0, c.receive(SET_VRING_CALL).u64(), "no-fd flag with an fd");
            e.close();
            stillAnswers(c);
        }
    }

    @Test
    void unknownAndUnadvertisedRequestsAreRefused() throws Exception {
        try (VhostUserClient c = negotiated(victim)) {
            c.sendRaw(60, 0x1 | FLAG_NEED_REPLY, new byte[0], -1);
            assertNotEquals(0, c.receive(60).u64());
            try (EventFd log = new EventFd()) {
                c.sendRaw(7 /* SET_LOG_FD */, 0x1 | FLAG_NEED_REPLY, new byte[0], -1, log.fd());
                assertNotEquals(0, c.receive(7).u64(), "SET_LOG_FD (LOG_SHMFD was not negotiated)");
            }
            stillAnswers(c);
        }
    }

    @Test
    void badHeaderClosesTheConnection() throws Exception {
        try (VhostUserClient c = negotiated(victim)) {
            c.sendRaw(GET_FEATURES, 0x2, new byte[0], -1);
            assertTrue(c.closedByPeer(5000), "version 2 header");
        }
        try (VhostUserClient c = negotiated(victim)) {
            c.sendRaw(SET_FEATURES, 0x1, new byte[0], 1 << 20);
            assertTrue(c.closedByPeer(5000), "payload size of 1 MiB");
        }
    }

    @Test
    void memoryTableWithOverlappingRegionsIsRefused() throws Exception {
        try (GuestRam ram = new GuestRam(0, 1 << 20, 1 << 20);
             VhostUserClient c = negotiated(victim)) {
            ByteBuffer b = ByteBuffer.wrap(memTable(ram)).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(8 + 32, 4096); // second region's gpa inside the first
            c.sendRaw(SET_MEM_TABLE, 0x1 | FLAG_NEED_REPLY, b.array(), -1, memFds(ram));
            assertNotEquals(0, c.receive(SET_MEM_TABLE).u64());
            stillAnswers(c);
        }
    }

    // ---- requests gated behind a feature --------------------------------------------------------

    /**
     * Connects to the device of row's feature and negotiates all it offers, with or without that
     * feature, as QEMU does: protocol features, then SET_FEATURES.
     */
    private static VhostUserClient negotiated(GatedRequest row, boolean withItsFeature) throws IOException {
        VhostUserClient c = VhostUserClient.connect(row.offered == GatedRequest.Offered.NET ? netPort : victim);
        long offered = c.call(GET_FEATURES, new byte[0]).u64();
        long protocol = c.call(GET_PROTOCOL_FEATURES, new byte[0]).u64();
        assertTrue((protocol & FrontEnd.P_REPLY_ACK) != 0, "REPLY_ACK offered");
        long features = (FrontEnd.VERSION_1 | FrontEnd.PROTOCOL_FEATURES) & offered;
        if (!withItsFeature) {
            if (row.needs.virtio) {
                features &= ~row.needs.bit;
            } else {
                protocol &= ~row.needs.bit;
            }
        }
        c.send(SET_PROTOCOL_FEATURES, u64(protocol));
        assertEquals(0, c.sendAcked(SET_FEATURES, u64(features)));
        return c;
    }

    /** Waits for the refusal of row's request, published after index seen, to name its feature. */
    private static void awaitRefusal(GatedRequest row, int seen) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<JsonObject> all = List.copyOf(events);
            if (all.subList(seen, all.size()).stream().anyMatch(e -> "request-refused".equals(e.getString("event"))
                    && row.name().equals(e.getString("request"))
                    && e.getString("reason").contains(row.needs.name() + " was not negotiated"))) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "no request-refused event naming " + row.needs + " for " + row);
            Thread.sleep(10);
        }
    }

    @ParameterizedTest(name = "{0} without its feature is refused")
    @EnumSource(GatedRequest.class)
    void gatedRequestWithoutItsFeatureIsRefused(GatedRequest row) throws Exception {
        int seen = events.size();
        try (VhostUserClient c = negotiated(row, false);
             GatedRequest.Fixture f = new GatedRequest.Fixture(c)) {
            GatedRequest.Msg m = row.build(f);
            c.sendRaw(row.code, 0x1 | FLAG_NEED_REPLY, m.payload(), -1, m.fds());
            if (row.ownReply) {
                // The front end waits for the request's own reply, which cannot be given: the
                // connection closes instead of an ack that would be read as that reply.
                IOException e = assertThrows(IOException.class, () -> c.receive(row.code));
                assertTrue(e.getMessage().contains("closed the connection"), e.getMessage());
            } else {
                assertNotEquals(0, c.receive(row.code).u64(), "NACK");
                stillAnswers(c);
            }
        }
        awaitRefusal(row, seen);
    }

    static Stream<GatedRequest> offeredRows() {
        return Arrays.stream(GatedRequest.values()).filter(r -> r.offered != GatedRequest.Offered.NOWHERE
                && r.offered != GatedRequest.Offered.NOT_SERVED);
    }

    static Stream<GatedRequest> notServedRows() {
        return Arrays.stream(GatedRequest.values()).filter(r -> r.offered == GatedRequest.Offered.NOT_SERVED);
    }

    @ParameterizedTest(name = "{0} is refused even with its feature")
    @MethodSource("notServedRows")
    void requestNotServedIsRefusedWithItsFeature(GatedRequest row) throws Exception {
        try (VhostUserClient c = negotiated(row, true);
             GatedRequest.Fixture f = new GatedRequest.Fixture(c)) {
            GatedRequest.Msg m = row.build(f);
            assertNotEquals(0, c.sendAcked(row.code, m.payload(), m.fds()), "NACK");
            stillAnswers(c);
        }
    }

    @ParameterizedTest(name = "{0} with its feature is served")
    @MethodSource("offeredRows")
    void gatedRequestWithItsFeatureIsServed(GatedRequest row) throws Exception {
        try (VhostUserClient c = negotiated(row, true);
             GatedRequest.Fixture f = new GatedRequest.Fixture(c)) {
            GatedRequest.Msg m = row.build(f);
            if (row.ownReply) {
                VhostUserClient.Reply r = c.call(row.code, m.payload(), m.fds());
                for (int fd : r.fds()) {
                    f.keep(fd);
                }
                assertTrue(r.payload().length > 0, "a reply with a payload");
            } else {
                assertEquals(0, c.sendAcked(row.code, m.payload(), m.fds()));
            }
            stillAnswers(c);
        }
    }

    static Stream<GatedRequest> neverOfferedRows() {
        return Arrays.stream(GatedRequest.values()).filter(r -> r.offered == GatedRequest.Offered.NOWHERE);
    }

    /** The rows no device serves: their feature is never offered, so the front end cannot take it. */
    @ParameterizedTest(name = "{0}: its feature is offered nowhere and cannot be negotiated")
    @MethodSource("neverOfferedRows")
    void featureOfferedNowhereCannotBeNegotiated(GatedRequest row) throws Exception {
        for (Path device : List.of(victim, netPort)) {
            try (VhostUserClient c = VhostUserClient.connect(device)) {
                long offered = c.call(GET_FEATURES, new byte[0]).u64();
                long protocol = c.call(GET_PROTOCOL_FEATURES, new byte[0]).u64();
                c.send(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK));
                if (row.needs.virtio) {
                    assertEquals(0, offered & row.needs.bit, device + " offers " + row.needs);
                    assertNotEquals(0, c.sendAcked(SET_FEATURES, u64(FrontEnd.VERSION_1 | row.needs.bit)));
                } else {
                    assertEquals(0, protocol & row.needs.bit, device + " offers " + row.needs);
                    assertNotEquals(0, c.sendAcked(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK | row.needs.bit)));
                }
                stillAnswers(c);
            }
        }
    }

    @Test
    void ringsMayBeEnabledBeforeTheFirstSetFeaturesAsQemuDoes() throws Exception {
        // QEMU enables a net device's rings before its first SET_FEATURES: until SET_FEATURES
        // leaves VHOST_USER_F_PROTOCOL_FEATURES out, our offer of it stands.
        try (VhostUserClient c = VhostUserClient.connect(victim)) {
            c.call(GET_FEATURES, new byte[0]);
            c.call(GET_PROTOCOL_FEATURES, new byte[0]);
            c.send(SET_PROTOCOL_FEATURES, u64(FrontEnd.P_REPLY_ACK));
            assertEquals(0, c.sendAcked(SET_VRING_ENABLE, state(0, 1)));
            stillAnswers(c);
        }
    }

    // ---- bad rings --------------------------------------------------------------------------

    @Test
    void ringOutsideGuestMemoryCannotStart() throws Exception {
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.connect(victim, ram, FrontEnd.Options.split())) {
            VhostUserClient c = fe.client();
            EventFd kick = new EventFd();
            assertEquals(0, c.sendAcked(SET_VRING_NUM, state(0, 256)));
            assertEquals(0, c.sendAcked(SET_VRING_ADDR, vringAddr(0, ram.uva(0) + (1 << 20) - 16, ram.uva(8192),
                    ram.uva(4096))));
            assertEquals(0, c.sendAcked(SET_VRING_KICK, u64(0), kick.fd()));
            assertNotEquals(0, c.sendAcked(SET_VRING_ENABLE, state(0, 1)), "descriptor table past the end of memory");
            assertTrue((fe.status() & NEEDS_RESET) != 0);
            kick.close();
        }
    }

    @Test
    void descriptorOutsideGuestMemoryBreaksOnlyThatDevice() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split())) {
            long header = ram.alloc(16, 16);
            fe.queue(0).ring.add(Buf.in(header, 16), Buf.out(1L << 40, 4096), Buf.out(header, 1));
            fe.queue(0).kickIfNeeded();
            awaitNeedsReset(fe);
        }
    }

    @Test
    void descriptorLoopIsDetected() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split())) {
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            long buf = ram.alloc(512, 16);
            int a = ring.takeDesc();
            int b = ring.takeDesc();
            ring.writeDesc(a, buf, 16, 1, b);
            ring.writeDesc(b, buf, 16, 1, a);
            ring.publish(a);
            fe.queue(0).kickIfNeeded();
            awaitNeedsReset(fe);
        }
    }

    @Test
    void indirectTableWithALoopIsDetected() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split())) {
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            long buf = ram.alloc(512, 16);
            long table = ram.alloc(64, 16);
            ByteBuffer t = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 4; i++) {
                t.putLong(buf).putInt(16).putShort((short) 1).putShort((short) ((i + 1) % 4));
            }
            ram.write(table, t.array());
            int head = ring.takeDesc();
            ring.writeDesc(head, table, 64, 4, 0);
            ring.publish(head);
            fe.queue(0).kickIfNeeded();
            awaitNeedsReset(fe);
        }
    }

    @Test
    void chainLongerThanThePackedRingIsDetected() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.packedRing().withQueueSize(8))) {
            PackedDriverRing ring = (PackedDriverRing) fe.queue(0).ring;
            long buf = ram.alloc(512, 16);
            // Every descriptor says NEXT, so the chain never ends within the ring.
            Buf[] bufs = new Buf[8];
            for (int i = 0; i < 8; i++) {
                bufs[i] = Buf.in(buf, 16);
            }
            ring.add(bufs);
            ram.write(fe.queue(0).ring.descGpa() + 16 * 7 + 14, new byte[]{1, (byte) 0x80});
            fe.queue(0).kickIfNeeded();
            awaitNeedsReset(fe);
        }
    }

    @Test
    void indirectInsideIndirectIsRefused() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split())) {
            SplitDriverRing ring = (SplitDriverRing) fe.queue(0).ring;
            long inner = ram.alloc(16, 16);
            long outer = ram.alloc(16, 16);
            ram.write(inner, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(ram.alloc(16, 16)).putInt(16).putShort((short) 0).putShort((short) 0).array());
            ram.write(outer, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(inner).putInt(16).putShort((short) 4).putShort((short) 0).array());
            int head = ring.takeDesc();
            ring.writeDesc(head, outer, 16, 4, 0);
            ring.publish(head);
            fe.queue(0).kickIfNeeded();
            awaitNeedsReset(fe);
        }
    }

    @Test
    void availableIndexJumpingPastTheRingIsDetected() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split().withQueueSize(16))) {
            ((SplitDriverRing) fe.queue(0).ring).setAvailIdx(40);
            fe.queue(0).kick.signal();
            awaitNeedsReset(fe);
        }
    }

    @Test
    void requestWithoutHeaderIsAnErrorButTheQueueGoesOn() throws Exception {
        try (GuestRam ram = new GuestRam(0, 2 << 20);
             FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split())) {
            long status = ram.alloc(1, 1);
            int id = fe.queue(0).ring.add(Buf.in(ram.alloc(8, 8), 8), Buf.out(status, 1));
            fe.queue(0).kickIfNeeded();
            assertEquals(id, fe.queue(0).awaitUsed(5000).id());
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            assertEquals(0, blk.read(blk.slot(4096), 0, 4096));
            assertEquals(0, fe.status() & NEEDS_RESET);
        }
    }

    @Test
    void guestMemoryTruncatedUnderTheBackEndFailsTheDeviceNotTheJvm() throws Exception {
        GuestRam ram = new GuestRam(0, 2 << 20);
        try (FrontEnd fe = FrontEnd.start(victim, ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            assertEquals(0, blk.read(s, 0, 4096));
            blk.submitRead(s, 0, 4096);
            // The front end shrinks its memory: the back end's next access to the ring faults (SIGBUS).
            Linux.ftruncate(ram.regions().getFirst().fd(), 0);
            fe.queue(0).kick.signal();
            awaitNeedsReset(fe);
        } finally {
            ram.close();
        }
        assertFalse(ProcessResources.self().mappings("test-guest-ram") > mapsBefore + 1);
    }
}
