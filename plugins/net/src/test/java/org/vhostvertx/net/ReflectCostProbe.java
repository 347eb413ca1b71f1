package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

/**
 * Not a test: what a reflect port costs per 64-byte frame on one thread, with the driver's rings
 * in the same thread's cache, so no other CPU and no virtual CPU placement blurs it (what
 * {@code bin/bench net} cannot show on a shared two-core machine). Bursts of 32 frames, as testpmd
 * sends them, IN_ORDER and MRG_RXBUF negotiated (see ReflectRings); only the device's calls are
 * timed. Mode "reflect" (the default) is the whole port, "ring" only taking and returning the
 * transmit buffers. Run:
 * <pre>
 * mvn -q -o test-compile -pl plugins/net
 * mvn -q -o dependency:build-classpath -pl plugins/net -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/net.cp
 * taskset -c 1 java --enable-native-access=ALL-UNNAMED \
 *     -cp plugins/net/target/test-classes:plugins/net/target/classes:$(cat /tmp/net.cp) \
 *     org.vhostvertx.net.ReflectCostProbe split|packed [reflect|ring]
 * </pre>
 */
public final class ReflectCostProbe {

    private static final int SIZE = 1024;
    private static final int BURST = 32;
    private static final int FRAME = NetFeatures.HEADER + 64;
    private static final int ROUNDS = 3_000_000;
    private static final int WARM_UP = 500_000;

    public static void main(String[] args) throws Exception {
        boolean packed = args.length > 0 && args[0].equals("packed");
        boolean ringOnly = args.length > 1 && args[1].equals("ring");
        ReflectRings rings = new ReflectRings(packed, SIZE, 64 << 20);
        GuestRam ram = rings.ram;
        DriverRing rx = rings.rx;
        DriverRing tx = rings.tx;
        Virtqueue rxq = rings.rxq;
        Virtqueue txq = rings.txq;
        QueueHandler rxHandler = rings.rxHandler;
        QueueHandler txHandler = rings.txHandler;
        QueueCounters counters = rings.counters;

        long frames = ram.alloc((long) FRAME * SIZE, 64);
        for (int i = 0; i < SIZE; i++) {
            byte[] f = new byte[FRAME];
            for (int k = NetFeatures.HEADER; k < FRAME; k++) {
                f[k] = (byte) (i + k);
            }
            ram.write(frames + (long) FRAME * i, f);
        }
        long rxBuffers = ram.alloc(2048L * SIZE, 64);
        for (int i = 0; i < SIZE; i++) {
            rx.add(DriverRing.Buf.out(rxBuffers + 2048L * i, 2048));
        }
        DescriptorChain[] chains = new DescriptorChain[BURST];
        for (int i = 0; i < BURST; i++) {
            chains[i] = new DescriptorChain(8);
        }
        // The receive handler makes the pair's receiver take this thread's receive queue.
        rxHandler.process(rxq, counters);
        int nextTx = 0;
        int nextRx = 0;
        long nanos = 0;
        long timed = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < BURST; i++) {
                tx.add(DriverRing.Buf.in(frames + (long) FRAME * nextTx, FRAME));
                nextTx = (nextTx + 1) % SIZE;
            }
            long t0 = System.nanoTime();
            if (ringOnly) {
                for (int i = 0; i < BURST; i++) {
                    txq.pop(chains[i]);
                }
                for (int i = 0; i < BURST; i++) {
                    txq.push(chains[i], 0);
                }
            } else {
                txHandler.process(txq, counters);
            }
            rxq.publish();
            txq.publish();
            long t1 = System.nanoTime();
            if (round >= WARM_UP) {
                nanos += t1 - t0;
                timed += BURST;
            }
            int returned = 0;
            while (tx.pollUsed() != null) {
                returned++;
            }
            while (rx.pollUsed() != null) {
                rx.add(DriverRing.Buf.out(rxBuffers + 2048L * nextRx, 2048));
                nextRx = (nextRx + 1) % SIZE;
            }
            if (returned != BURST) {
                throw new IllegalStateException("round " + round + ": " + returned + " of " + BURST + " frames returned");
            }
        }
        System.out.printf("%s %s: %.1f ns per frame (%d frames timed)%n", packed ? "packed" : "split",
                ringOnly ? "ring" : "reflect", (double) nanos / timed, timed);
    }
}
