package org.vhostvertx.test.frontend;

import org.vhostvertx.linux.EventFd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.vhostvertx.test.frontend.VhostUserClient.*;

/**
 * Our Java vhost-user front end: negotiates like QEMU does, hands over the test guest's memory,
 * sets up queues with kick and call eventfds, and drives them. Used by tests and benchmarks.
 */
public final class FrontEnd implements AutoCloseable {

    public static final long VERSION_1 = 1L << 32;
    public static final long RING_PACKED = 1L << 34;
    public static final long EVENT_IDX = 1L << 29;
    public static final long IN_ORDER = 1L << 35;
    public static final long INDIRECT_DESC = 1L << 28;
    public static final long PROTOCOL_FEATURES = 1L << 30;
    public static final long P_MQ = 1;
    public static final long P_REPLY_ACK = 1L << 3;
    public static final long P_CONFIG = 1L << 9;
    public static final long P_RESET_DEVICE = 1L << 13;
    public static final long P_CONFIGURE_MEM_SLOTS = 1L << 15;
    public static final long P_STATUS = 1L << 16;

    /** How to negotiate. */
    public record Options(boolean packed, boolean eventIdx, int queues, int queueSize, boolean addMemReg,
                          long refusedFeatures, boolean inOrder) {
        public static Options split() {
            return new Options(false, true, 1, 256, false, 0, false);
        }

        public static Options packedRing() {
            return new Options(true, true, 1, 256, false, 0, false);
        }

        public Options withQueues(int q) {
            return new Options(packed, eventIdx, q, queueSize, addMemReg, refusedFeatures, inOrder);
        }

        public Options withEventIdx(boolean e) {
            return new Options(packed, e, queues, queueSize, addMemReg, refusedFeatures, inOrder);
        }

        public Options withAddMemReg(boolean a) {
            return new Options(packed, eventIdx, queues, queueSize, a, refusedFeatures, inOrder);
        }

        public Options withQueueSize(int s) {
            return new Options(packed, eventIdx, queues, s, addMemReg, refusedFeatures, inOrder);
        }

        /** Device features this driver does not accept although offered. */
        public Options refusing(long features) {
            return new Options(packed, eventIdx, queues, queueSize, addMemReg, refusedFeatures | features, inOrder);
        }

        /** Accept IN_ORDER when offered (this driver then expects every queue's buffers back in the order it added them). */
        public Options withInOrder(boolean o) {
            return new Options(packed, eventIdx, queues, queueSize, addMemReg, refusedFeatures, o);
        }
    }

    /** One started queue: its driver ring and eventfds. */
    public final class Queue {
        public final int index;
        public final DriverRing ring;
        public final EventFd kick = new EventFd();
        public final EventFd call = new EventFd();
        private long calls;
        private long kicks;

        Queue(int index, DriverRing ring) {
            this.index = index;
            this.ring = ring;
        }

        /** Kicks the device if it asked for kicks. */
        public void kickIfNeeded() {
            if (ring.needsKick()) {
                kick.signal();
                kicks++;
            }
        }

        /** Kicks sent by {@link #kickIfNeeded()} so far. */
        public long kicks() {
            return kicks;
        }

        /** Waits for the next used buffer. */
        public DriverRing.Used awaitUsed(long timeoutMillis) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            int spins = 0;
            while (true) {
                DriverRing.Used u = ring.pollUsed();
                if (u != null) {
                    return u;
                }
                calls += call.drain();
                if (System.nanoTime() > deadline) {
                    throw new IOException("queue " + index + ": no used buffer within " + timeoutMillis + " ms");
                }
                if (++spins > 200) {
                    LockSupport.parkNanos(20_000);
                }
            }
        }

        /** Call notifications received so far. */
        public long calls() {
            calls += call.drain();
            return calls;
        }
    }

    private final VhostUserClient client;
    private final GuestRam ram;
    private final Options options;
    private final List<Queue> queues = new ArrayList<>();
    private long features;
    private long protocolFeatures;

    private FrontEnd(VhostUserClient client, GuestRam ram, Options options) {
        this.client = client;
        this.ram = ram;
        this.options = options;
    }

    /** Connects and negotiates; queues are set up by {@link #startQueues()}. */
    public static FrontEnd connect(Path socket, GuestRam ram, Options options) throws IOException {
        FrontEnd f = new FrontEnd(VhostUserClient.connect(socket), ram, options);
        f.negotiate();
        return f;
    }

    /** Negotiates over a connection we already have and starts every queue. */
    public static FrontEnd start(VhostUserClient client, GuestRam ram, Options options) throws IOException {
        FrontEnd f = new FrontEnd(client, ram, options);
        f.negotiate();
        f.startQueues();
        return f;
    }

    /** Connects, negotiates and starts every queue. */
    public static FrontEnd start(Path socket, GuestRam ram, Options options) throws IOException {
        FrontEnd f = connect(socket, ram, options);
        f.startQueues();
        return f;
    }

    public VhostUserClient client() {
        return client;
    }

    public GuestRam ram() {
        return ram;
    }

    public long features() {
        return features;
    }

    public Queue queue(int i) {
        return queues.get(i);
    }

    private void negotiate() throws IOException {
        long offered = client.call(GET_FEATURES, new byte[0]).u64();
        long pOffered = client.call(GET_PROTOCOL_FEATURES, new byte[0]).u64();
        protocolFeatures = pOffered & (P_MQ | P_REPLY_ACK | P_CONFIG | P_RESET_DEVICE | P_STATUS
                | (options.addMemReg() ? P_CONFIGURE_MEM_SLOTS : 0));
        client.send(SET_PROTOCOL_FEATURES, u64(protocolFeatures));
        client.send(SET_OWNER, new byte[0]);
        long deviceBits = offered & 0xffffffL & ~EVENT_IDX & ~INDIRECT_DESC & ~options.refusedFeatures();
        features = deviceBits | VERSION_1 | PROTOCOL_FEATURES | INDIRECT_DESC
                | (options.eventIdx() ? EVENT_IDX : 0) | (options.packed() ? RING_PACKED : 0)
                | (options.inOrder() ? IN_ORDER : 0);
        features &= offered;
        check(client.sendAcked(SET_FEATURES, u64(features)), "SET_FEATURES");
        if (options.addMemReg()) {
            long slots = client.call(GET_MAX_MEM_SLOTS, new byte[0]).u64();
            if (slots < ram.regions().size()) {
                throw new IOException("back end offers " + slots + " memory slots");
            }
            for (GuestRam.Region r : ram.regions()) {
                check(client.sendAcked(ADD_MEM_REG, memRegion(r), r.fd()), "ADD_MEM_REG");
            }
        } else {
            check(client.sendAcked(SET_MEM_TABLE, memTable(ram), memFds(ram)), "SET_MEM_TABLE");
        }
    }

    private static void check(long ack, String what) throws IOException {
        if (ack != 0) {
            throw new IOException(what + " was refused (ack " + ack + ")");
        }
    }

    /** Sets up and enables every queue. */
    public void startQueues() throws IOException {
        for (int i = 0; i < options.queues(); i++) {
            DriverRing ring = options.packed() ? new PackedDriverRing(ram, options.queueSize(), (features & IN_ORDER) != 0)
                    : new SplitDriverRing(ram, options.queueSize(), options.eventIdx());
            Queue q = new Queue(i, ring);
            queues.add(q);
            startQueue(q, ring.initialBase());
        }
    }

    private void startQueue(Queue q, int base) throws IOException {
        DriverRing ring = q.ring;
        check(client.sendAcked(SET_VRING_NUM, state(q.index, ring.size())), "SET_VRING_NUM");
        check(client.sendAcked(SET_VRING_BASE, state(q.index, base)), "SET_VRING_BASE");
        check(client.sendAcked(SET_VRING_ADDR, vringAddr(q.index, ram.uva(ring.descGpa()), ram.uva(ring.deviceGpa()),
                ram.uva(ring.driverGpa()))), "SET_VRING_ADDR");
        check(client.sendAcked(SET_VRING_KICK, u64(q.index), q.kick.fd()), "SET_VRING_KICK");
        check(client.sendAcked(SET_VRING_CALL, u64(q.index), q.call.fd()), "SET_VRING_CALL");
        check(client.sendAcked(SET_VRING_ENABLE, state(q.index, 1)), "SET_VRING_ENABLE");
    }

    /** GET_VRING_BASE: stops queue i and returns its base. */
    public int stopQueue(int i) throws IOException {
        return client.call(GET_VRING_BASE, state(i, 0)).body().getInt(4);
    }

    /** GET_STATUS. */
    public long status() throws IOException {
        return client.call(GET_STATUS, new byte[0]).u64();
    }

    /** GET_CONFIG of size bytes at offset. */
    public byte[] config(int offset, int size) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(offset).putInt(size).putInt(0);
        byte[] reply = client.call(GET_CONFIG, b.array()).payload();
        return java.util.Arrays.copyOfRange(reply, 12, reply.length);
    }

    @Override
    public void close() {
        client.close();
        for (Queue q : queues) {
            q.kick.close();
            q.call.close();
        }
    }
}
