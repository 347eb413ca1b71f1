package org.vhostvertx.test.conformance;

import org.vhostvertx.linux.EventFd;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.VhostUserClient;
import org.vhostvertx.virtq.InflightRegion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vhostvertx.test.frontend.VhostUserClient.memFds;
import static org.vhostvertx.test.frontend.VhostUserClient.memRegion;
import static org.vhostvertx.test.frontend.VhostUserClient.memTable;
import static org.vhostvertx.test.frontend.VhostUserClient.state;
import static org.vhostvertx.test.frontend.VhostUserClient.u64;

/**
 * The front-end requests that vhost-user.rst gates behind a feature, one row each, written from
 * the spec and not from the back end's own table: the feature the request needs negotiated,
 * whether it has a reply of its own, which of our devices offers the feature (none: we never
 * offer it), and how to build a well-formed message. {@link ConformanceTest} sends every row
 * without its feature (refused) and, where a device offers the feature, with it (served).
 */
enum GatedRequest {

    // A 4 KiB log (u64 size, u64 offset) in a memfd; under LOG_SHMFD it always has a reply.
    SET_LOG_BASE(6, Needs.LOG_SHMFD, true, Offered.BLK, f -> new Msg(logBase(4096), f.memfd(4096))),
    // A log eventfd: its feature is offered (for SET_LOG_BASE), the request itself is not supported.
    SET_LOG_FD(7, Needs.LOG_SHMFD, false, Offered.NOT_SERVED, f -> new Msg(new byte[0], f.eventFd())),
    GET_QUEUE_NUM(17, Needs.MQ, true, Offered.BLK, f -> Msg.EMPTY),
    SET_VRING_ENABLE(18, Needs.PROTOCOL_FEATURES, false, Offered.BLK, f -> new Msg(state(0, 1))),
    // The first six bytes are the guest's MAC.
    SEND_RARP(19, Needs.RARP, false, Offered.NET, f -> new Msg(new byte[]{0x52, 0x54, 0, 0x12, 0x34, 0x56, 0, 0})),
    NET_SET_MTU(20, Needs.NET_MTU, false, Offered.NET, f -> new Msg(u64(1500))),
    SET_BACKEND_REQ_FD(21, Needs.BACKEND_REQ, false, Offered.BLK, f -> new Msg(new byte[0], f.socketEnd())),
    // struct vhost_iotlb_msg: iova, size, uaddr, perm, type, padding.
    IOTLB_MSG(22, Needs.IOMMU_PLATFORM, true, Offered.NOWHERE, f -> new Msg(new byte[32])),
    SET_VRING_ENDIAN(23, Needs.CROSS_ENDIAN, false, Offered.NOWHERE, f -> new Msg(state(0, 0))),
    GET_CONFIG(24, Needs.CONFIG, true, Offered.BLK, f -> new Msg(config(0, new byte[8]))),
    // The blk config space's writeback byte is its one writable field.
    SET_CONFIG(25, Needs.CONFIG, false, Offered.BLK, f -> new Msg(config(32, new byte[]{1}))),
    CREATE_CRYPTO_SESSION(26, Needs.CRYPTO_SESSION, true, Offered.NOWHERE, f -> new Msg(new byte[64])),
    CLOSE_CRYPTO_SESSION(27, Needs.CRYPTO_SESSION, false, Offered.NOWHERE, f -> new Msg(u64(0))),
    POSTCOPY_ADVISE(28, Needs.PAGEFAULT, true, Offered.NOWHERE, f -> Msg.EMPTY),
    POSTCOPY_LISTEN(29, Needs.PAGEFAULT, false, Offered.NOWHERE, f -> Msg.EMPTY),
    POSTCOPY_END(30, Needs.PAGEFAULT, true, Offered.NOWHERE, f -> Msg.EMPTY),
    GET_INFLIGHT_FD(31, Needs.INFLIGHT_SHMFD, true, Offered.BLK, f -> new Msg(inflight(0, 1, 256))),
    SET_INFLIGHT_FD(32, Needs.INFLIGHT_SHMFD, false, Offered.BLK, f -> {
        long size = InflightRegion.queueBytes(256);
        return new Msg(inflight(size, 1, 256), f.memfd(size));
    }),
    RESET_DEVICE(34, Needs.RESET_DEVICE, false, Offered.BLK, f -> Msg.EMPTY),
    VRING_KICK(35, Needs.INBAND_NOTIFICATIONS, false, Offered.NOWHERE, f -> new Msg(state(0, 0))),
    GET_MAX_MEM_SLOTS(36, Needs.CONFIGURE_MEM_SLOTS, true, Offered.BLK, f -> Msg.EMPTY),
    ADD_MEM_REG(37, Needs.CONFIGURE_MEM_SLOTS, false, Offered.BLK, f -> {
        GuestRam.Region r = f.ram().regions().getFirst();
        return new Msg(memRegion(r), r.fd());
    }),
    // Removes a region the memory table (which needs no feature) put there.
    REM_MEM_REG(38, Needs.CONFIGURE_MEM_SLOTS, false, Offered.BLK, f -> {
        assertEquals(0, f.client().sendAcked(VhostUserClient.SET_MEM_TABLE, memTable(f.ram()), memFds(f.ram())));
        return new Msg(memRegion(f.ram().regions().getFirst()));
    }),
    SET_STATUS(39, Needs.STATUS, false, Offered.BLK, f -> new Msg(u64(1))),
    GET_STATUS(40, Needs.STATUS, true, Offered.BLK, f -> Msg.EMPTY),
    GET_SHARED_OBJECT(41, Needs.SHARED_OBJECT, true, Offered.NOWHERE, f -> new Msg(new byte[16])),
    SET_DEVICE_STATE_FD(42, Needs.DEVICE_STATE, true, Offered.NOWHERE, f -> new Msg(new byte[16], f.eventFd())),
    CHECK_DEVICE_STATE(43, Needs.DEVICE_STATE, true, Offered.NOWHERE, f -> Msg.EMPTY);

    /** A feature that gates requests: a protocol feature bit, or a virtio feature bit. */
    enum Needs {
        PROTOCOL_FEATURES(true, 30),
        IOMMU_PLATFORM(true, 33),
        MQ(false, 0),
        LOG_SHMFD(false, 1),
        RARP(false, 2),
        NET_MTU(false, 4),
        BACKEND_REQ(false, 5),
        CROSS_ENDIAN(false, 6),
        CRYPTO_SESSION(false, 7),
        PAGEFAULT(false, 8),
        CONFIG(false, 9),
        INFLIGHT_SHMFD(false, 12),
        RESET_DEVICE(false, 13),
        INBAND_NOTIFICATIONS(false, 14),
        CONFIGURE_MEM_SLOTS(false, 15),
        STATUS(false, 16),
        SHARED_OBJECT(false, 18),
        DEVICE_STATE(false, 19);

        final boolean virtio;
        final long bit;

        Needs(boolean virtio, int bit) {
            this.virtio = virtio;
            this.bit = 1L << bit;
        }
    }

    /**
     * Which of the test's devices offers the feature; NOT_SERVED: the feature is offered (for other
     * requests) but this request is refused anyway.
     */
    enum Offered { BLK, NET, NOWHERE, NOT_SERVED }

    static byte[] logBase(long size) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(size).putLong(0).array();
    }

    /** A message's payload and the descriptors it carries. */
    record Msg(byte[] payload, int... fds) {
        static final Msg EMPTY = new Msg(new byte[0]);
    }

    /** Builds a row's message, taking what it hands over from the case's fixture. */
    interface Builder {
        Msg build(Fixture f) throws IOException;
    }

    /** What one case hands to the back end; the test's own copies are closed after the case. */
    static final class Fixture implements AutoCloseable {
        private final VhostUserClient client;
        private final GuestRam ram = new GuestRam(0, 1 << 20);
        private final List<Integer> fds = new ArrayList<>();
        private final List<EventFd> eventFds = new ArrayList<>();

        Fixture(VhostUserClient client) {
            this.client = client;
        }

        VhostUserClient client() {
            return client;
        }

        GuestRam ram() {
            return ram;
        }

        int eventFd() {
            EventFd e = new EventFd();
            eventFds.add(e);
            return e.fd();
        }

        int memfd(long size) {
            int fd = Linux.memfdCreate("conformance", Linux.MFD_CLOEXEC);
            fds.add(fd);
            Linux.ftruncate(fd, size);
            return fd;
        }

        /** One end of a socket pair (the other stays here, as a front end keeps it). */
        int socketEnd() {
            int[] pair = Linux.socketpair();
            fds.add(pair[0]);
            fds.add(pair[1]);
            return pair[1];
        }

        /** A descriptor that came back in a reply: ours to close. */
        void keep(int fd) {
            fds.add(fd);
        }

        @Override
        public void close() {
            fds.forEach(Linux::close);
            eventFds.forEach(EventFd::close);
            ram.close();
        }
    }

    final int code;
    final Needs needs;
    final boolean ownReply;
    final Offered offered;
    private final Builder builder;

    GatedRequest(int code, Needs needs, boolean ownReply, Offered offered, Builder builder) {
        this.code = code;
        this.needs = needs;
        this.ownReply = ownReply;
        this.offered = offered;
        this.builder = builder;
    }

    Msg build(Fixture f) throws IOException {
        return builder.build(f);
    }

    /** A virtio device config space payload: offset, size, flags, then the bytes. */
    static byte[] config(int offset, byte[] data) {
        return ByteBuffer.allocate(12 + data.length).order(ByteOrder.LITTLE_ENDIAN).putInt(offset)
                .putInt(data.length).putInt(0).put(data).array();
    }

    /** An inflight description: mmap size, mmap offset 0, queues, queue size. */
    static byte[] inflight(long size, int queues, int queueSize) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(size).putLong(0)
                .putShort((short) queues).putShort((short) queueSize).array();
    }
}
