package org.vhostvertx.device;

import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * A virtio device type's behaviour, independent of vhost-user: its features, its config space and
 * what it does with each queue. The framework (the protocol verticle and the device host) does the
 * rest: negotiation, guest memory, rings, workers, notifications.
 *
 * <p>Methods other than the handlers' run on the device host's event loop, one at a time; the
 * one exception is a control action that {@link #controlBlocks blocks}, which runs on a worker
 * thread.
 */
public interface VirtioDevice extends AutoCloseable {

    DeviceSpec spec();

    /** The whole config space as the driver reads it, for the negotiated features. */
    byte[] config();

    /** The driver writes into the config space (e.g. blk's writeback bit). */
    default void writeConfig(int offset, byte[] data) {
        throw new DeviceException("the config space of this device is read-only");
    }

    /** The driver accepted these features; handlers created afterwards serve them. */
    default void featuresNegotiated(long features) {
    }

    /**
     * Queues of the same group run on the same ring worker, so their handlers may share state
     * without locks: a net device's receive and transmit queue of one pair, or every port of one
     * switch. Groups are named across all devices of the JVM; null (the default) means the queue
     * goes to the least loaded worker.
     */
    default String queueGroup(int index) {
        return null;
    }

    /** A handler for queue index, started with the negotiated features. */
    QueueHandler queueHandler(int index, long features);

    /** The front end reset the device or went away: forget per-connection state. */
    default void reset() {
    }

    /**
     * An operator's action on this device (from the control address): e.g. a SCSI LUN added.
     * Runs on the device host's event loop, or on a worker thread for an action that
     * {@link #controlBlocks blocks}. Unknown actions and bad arguments throw
     * {@link DeviceException}; the reply is the returned JSON.
     */
    default JsonObject control(String action, JsonObject arguments) {
        throw new DeviceException("device has no action \"" + action + "\"");
    }

    /**
     * Whether action does file or other blocking I/O (e.g. reads a piece of a file): the host then
     * runs {@link #control} for it on a Vert.x worker thread, so that the event loop, which also
     * serves the device's lifecycle and its other actions, never waits for a disk. Such a call may
     * run at the same time as any other method of the device except {@link #close} (which waits for
     * it), another blocking action included, so what it reads must be safe to share (final or
     * volatile fields, its own objects). Asked on the event loop; false by default.
     */
    default boolean controlBlocks(String action) {
        return false;
    }

    /**
     * The front end's SEND_RARP (protocol feature RARP, which the device offers in its spec): send
     * an announcement for mac (6 bytes, wire order), e.g. after a live migration. Not an operator
     * action: only the front end can ask for it. Runs on the device host's event loop.
     */
    default void sendRarp(byte[] mac) {
        throw new DeviceException("this device does not send RARP announcements");
    }

    /**
     * The front end's NET_SET_MTU (protocol feature NET_MTU, which the device offers in its spec).
     * Not an operator action. A value the device does not accept throws {@link DeviceException}.
     */
    default void setMtu(long mtu) {
        throw new DeviceException("this device has no MTU");
    }

    /**
     * The names of this device type's own feature bits, by bit number, as its specification names
     * them without the prefix (blk's 5 is "RO" for VIRTIO_BLK_F_RO); build the entries with
     * {@link FeatureNames#entry}. The framework names the transport bits (VERSION_1, RING_PACKED
     * ...) itself, and a bit named nowhere reads "bit N". None by default.
     */
    default Map<Integer, String> featureNames() {
        return Map.of();
    }

    /** Device-specific facts for the console (size, path, read-only...). */
    default JsonObject describe() {
        return new JsonObject();
    }

    /** The device is removed: release files and memory. */
    @Override
    default void close() {
    }
}
