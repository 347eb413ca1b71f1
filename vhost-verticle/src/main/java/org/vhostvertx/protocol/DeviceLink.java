package org.vhostvertx.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.device.lifecycle.DeviceEvent;
import org.vhostvertx.memory.GuestMemory;

/**
 * The connection's end of the local event-bus contract with its device host
 * ({@link Addresses#device(String)}, {@link DeviceEvent}): one typed method per event, so that the
 * request families say what they ask of the device instead of building events, sending them and
 * casting the replies themselves. Each future completes on the caller's event loop once the host
 * has replied, or fails with the host's reason.
 */
final class DeviceLink {

    // Local only: in a cluster, never offered to another node (see DeviceHost).
    private static final DeliveryOptions LOCAL = new DeliveryOptions().setCodecName(Addresses.LOCAL_CODEC)
            .setLocalOnly(true).setSendTimeout(30_000);

    private final Vertx vertx;
    private final String address;

    DeviceLink(Vertx vertx, String deviceId) {
        this.vertx = vertx;
        this.address = Addresses.device(deviceId);
    }

    /** A front end connected: what the device offers it. */
    Future<DeviceSpec> connected() {
        return request(new DeviceEvent.Connected()).map(DeviceSpec.class::cast);
    }

    Future<Void> featuresSet(long features) {
        return request(new DeviceEvent.FeaturesSet(features)).mapEmpty();
    }

    /** A new memory snapshot; done once no queue uses the previous one. */
    Future<Void> memoryChanged(GuestMemory memory) {
        return request(new DeviceEvent.MemoryChanged(memory)).mapEmpty();
    }

    /** Starts a queue; done once a worker serves it. */
    Future<Void> queueReady(DeviceEvent.QueueReady ready) {
        return request(ready).mapEmpty();
    }

    /** A running queue's new call eventfd (-1: none); done once the worker uses it. */
    /** SET_LOG_BASE: done once every running queue writes into log (while LOG_ALL is on). */
    Future<Void> logBase(org.vhostvertx.memory.DirtyLog log) {
        return request(new DeviceEvent.LogBase(log)).mapEmpty();
    }

    /** A running ring's VHOST_VRING_F_LOG changed. */
    Future<Void> ringLogging(int index, boolean on) {
        return request(new DeviceEvent.RingLogging(index, on)).mapEmpty();
    }

    Future<Void> callChanged(int index, int callFd) {
        return request(new DeviceEvent.CallChanged(index, callFd)).mapEmpty();
    }

    /** Stops a queue: its ring base, or -1 if it never ran. */
    Future<Integer> queueStopped(int index) {
        return request(new DeviceEvent.QueueStopped(index)).map(Integer.class::cast);
    }

    /** The whole config space. */
    Future<byte[]> readConfig() {
        return request(new DeviceEvent.ConfigRead()).map(byte[].class::cast);
    }

    Future<Void> writeConfig(int offset, byte[] data) {
        return request(new DeviceEvent.ConfigWritten(offset, data)).mapEmpty();
    }

    /** SEND_RARP: the device announces mac (wire order). */
    Future<Void> sendRarp(byte[] mac) {
        return request(new DeviceEvent.SendRarp(mac)).mapEmpty();
    }

    /** NET_SET_MTU. */
    Future<Void> setMtu(long mtu) {
        return request(new DeviceEvent.SetMtu(mtu)).mapEmpty();
    }

    /** Resets the device; done once every queue is parked. */
    Future<Void> reset() {
        return request(new DeviceEvent.Reset()).mapEmpty();
    }

    /** The front end went away; done once every queue is parked. */
    Future<Void> disconnected() {
        return request(new DeviceEvent.Disconnected()).mapEmpty();
    }

    private Future<Object> request(DeviceEvent event) {
        return vertx.eventBus().request(address, event, LOCAL).map(reply -> reply.body());
    }
}
