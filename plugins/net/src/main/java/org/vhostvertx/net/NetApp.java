package org.vhostvertx.net;

/**
 * An application behind a {@code "port": "app"} net device: it gets the frames the guest sends and
 * sends frames to the guest, through {@link AppPort}'s bursts, on the ring worker that runs the
 * queue pair, so it needs no locks for state it keeps per pair. Register it under the device's id
 * with {@link AppPorts#register} before the device is created, or have a {@link NetAppProvider} make
 * it for a device whose configuration names the provider ({@code "app": NAME}).
 *
 * <p>Every method runs on the worker of the pair it names, and must not block: the same thread
 * serves other queues. A method that throws breaks the pair's queue (the guest sees the device
 * needing a reset), as a device's handler would.
 *
 * <p>A complete application, which answers every frame with the frame itself, MACs swapped:
 * <pre>{@code
 * final class Mirror implements NetApp {
 *     private final FrameBurst burst = new FrameBurst(32, 1518);
 *
 *     public boolean poll(AppPort port, int pair) {
 *         int n = port.dequeueBurst(pair, burst);
 *         for (int i = 0; i < n; i++) {
 *             MemorySegment f = burst.frame(i);
 *             long dst = f.get(ValueLayout.JAVA_INT_UNALIGNED, 0) & 0xffff_ffffL
 *                     | (f.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4) & 0xffffL) << 32;
 *             MemorySegment.copy(f, 6, f, 0, 6);
 *             f.set(ValueLayout.JAVA_INT_UNALIGNED, 6, (int) dst);
 *             f.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) (dst >>> 32));
 *         }
 *         // What does not fit now (the guest posted too few receive buffers) is the application's
 *         // to keep or drop; this one drops it.
 *         port.enqueueBurst(pair, burst, n);
 *         return n > 0;
 *     }
 * }
 *
 * AppPorts.register("app0", new Mirror());   // then start the node with
 * // {"id": "app0", "type": "net", "port": "app", "socket": "/run/vhost/app0.sock"}
 * }</pre>
 * One instance serves every pair of its port; with {@code "queues"} above 1, pairs may run on
 * different workers at once, so keep state per pair (an array indexed by pair), as above with one
 * pair (a burst per pair).
 */
public interface NetApp {

    /** The pair's receive and transmit rings both run now; later calls for pair come from this thread. */
    default void started(AppPort port, int pair) {
    }

    /**
     * One of the pair's rings stopped (the guest reset the device, disconnected, or disabled the
     * ring): no bursts on pair until {@link #started} again. Runs on the worker that ran it.
     */
    default void stopped(AppPort port, int pair) {
    }

    /**
     * The device is gone (removed, or the node stops): every pair has stopped, and no call for this
     * port follows. Release what the application holds; one that a {@link NetAppProvider} made for
     * the device is dropped after this. Runs once, on the node's event loop, so it must not block;
     * what it throws is logged and the device is closed all the same.
     */
    default void closed(AppPort port) {
    }

    /**
     * Called once per round of the worker while the pair runs: move frames with
     * {@link AppPort#dequeueBurst} and {@link AppPort#enqueueBurst}, a bounded amount (a burst or two
     * each way), and return whether anything was done. True keeps the worker polling; false lets it
     * sleep once its poll time is over, until the guest kicks or {@link AppPort#wake} is called.
     */
    boolean poll(AppPort port, int pair);
}
