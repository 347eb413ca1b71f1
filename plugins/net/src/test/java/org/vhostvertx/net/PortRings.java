package org.vhostvertx.net;

import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.PackedDriverRing;
import org.vhostvertx.test.frontend.SplitDriverRing;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.virtq.VringAddresses;
import org.vhostvertx.worker.QueueCounters;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A net port's first queue pair (a reflect port's, or a switch port's) over the test kit's driver
 * rings, in this thread: no front end, no worker. The caller plays both sides, calling the
 * handlers as a worker would and the driver rings as a guest would. MRG_RXBUF and IN_ORDER are
 * negotiated.
 */
final class PortRings implements AutoCloseable {

    final GuestRam ram;
    final DriverRing rx;
    final DriverRing tx;
    final Virtqueue rxq;
    final Virtqueue txq;
    final QueueHandler rxHandler;
    final QueueHandler txHandler;
    final QueueCounters counters = new QueueCounters();
    private final List<MemoryRegion> regions = new ArrayList<>();

    /** A reflect port. */
    PortRings(boolean packed, int size, long ramBytes) throws IOException {
        this(packed, size, ramBytes, null, new byte[]{0x52, 0x54, 0, 0, 0, 1});
    }

    /** A port of sw with address mac, or a reflect port when sw is null. */
    PortRings(boolean packed, int size, long ramBytes, Switch sw, byte[] mac) throws IOException {
        ram = new GuestRam(0, ramBytes);
        for (GuestRam.Region r : ram.regions()) {
            regions.add(MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd()));
        }
        GuestMemory memory = GuestMemory.of(regions);
        long features = (1L << 32) | NetFeatures.MRG_RXBUF | Virtqueue.F_IN_ORDER | (packed ? Virtqueue.F_RING_PACKED : 0);
        rx = packed ? new PackedDriverRing(ram, size, true) : new SplitDriverRing(ram, size, false);
        tx = packed ? new PackedDriverRing(ram, size, true) : new SplitDriverRing(ram, size, false);
        rxq = deviceSide(memory, rx, features);
        txq = deviceSide(memory, tx, features);
        NetDevice device = new NetDevice(new Context(), mac, 1500, 1, sw, null,
                Files.createTempDirectory("port-rings"));
        device.featuresNegotiated(features);
        rxHandler = device.queueHandler(0, features);
        txHandler = device.queueHandler(1, features);
    }

    /** Gives the port n receive buffers of 2048 bytes, one after another in guest memory; returns the first's address. */
    long offerReceiveBuffers(int n) {
        long at = ram.alloc(2048L * n, 64);
        for (int i = 0; i < n; i++) {
            rx.add(DriverRing.Buf.out(at + 2048L * i, 2048));
        }
        return at;
    }

    /** Makes the port's guest transmit frame (virtio-net header included); returns its buffer id. */
    int transmit(byte[] frame) {
        long at = ram.alloc(frame.length, 16);
        ram.write(at, frame);
        return tx.add(DriverRing.Buf.in(at, frame.length));
    }

    private Virtqueue deviceSide(GuestMemory memory, DriverRing ring, long features) {
        return Virtqueue.create(memory, ring.size(), new VringAddresses(ram.uva(ring.descGpa()),
                ram.uva(ring.driverGpa()), ram.uva(ring.deviceGpa()), 0, 0), features, ring.initialBase());
    }

    @Override
    public void close() {
        regions.forEach(MemoryRegion::close);
        ram.close();
    }

    /** A device context with nothing behind it: a reflect port uses none of it on the data path. */
    private static final class Context implements DeviceContext {
        public String id() {
            return "port-rings";
        }

        public void configChanged() {
        }

        public void wake(int index) {
        }

        public void runOnWorker(int index, Runnable task, Runnable notRunning) {
        }

        public void watch(int index, int fd, Runnable onReadable, Runnable notRunning) {
        }

        public CompletionStage<Void> unwatch(int index, int fd) {
            return CompletableFuture.completedFuture(null);
        }

        public CompletionStage<Void> workersPassed() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
