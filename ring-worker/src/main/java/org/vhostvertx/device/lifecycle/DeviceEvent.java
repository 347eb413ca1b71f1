package org.vhostvertx.device.lifecycle;

import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.virtq.VringAddresses;

import java.lang.foreign.MemorySegment;

/**
 * The local event-bus contract from the protocol verticle to the host of a device
 * (address {@link Addresses#device(String)}). Every event is a request; the reply says when the
 * device side is done with it (so the verticle can answer the front end), and carries a value where
 * the record says so.
 *
 * <p>Descriptors in events stay owned by the verticle: it closes them only after the reply that
 * says the device no longer uses them.
 */
public sealed interface DeviceEvent {

    /** A front end connected. Reply: the {@link org.vhostvertx.device.DeviceSpec}. */
    record Connected() implements DeviceEvent {
    }

    /** SET_FEATURES. Reply: null. */
    record FeaturesSet(long features) implements DeviceEvent {
    }

    /** A new memory table. Reply: null, once no queue uses the previous snapshot. */
    record MemoryChanged(GuestMemory memory) implements DeviceEvent {
    }

    /**
     * A ring has everything it needs and is enabled. inflight is the queue's region of the
     * INFLIGHT_SHMFD buffer, or null. Reply: null once a worker serves it.
     */
    record QueueReady(int index, int size, VringAddresses addresses, int base, long features, int kickFd,
                      int callFd, int errFd, GuestMemory memory, MemorySegment inflight) implements DeviceEvent {
    }

    /** A new call eventfd for a running queue (-1: none). Reply: null once the worker uses it. */
    record CallChanged(int index, int callFd) implements DeviceEvent {
    }

    /** GET_VRING_BASE, SET_VRING_ENABLE 0. Reply: the ring base (Integer), -1 if it never ran. */
    record QueueStopped(int index) implements DeviceEvent {
    }

    /** GET_CONFIG. Reply: byte[] of the whole config space. */
    record ConfigRead() implements DeviceEvent {
    }

    /** SET_CONFIG. Reply: null, or a failure with the device's reason. */
    record ConfigWritten(int offset, byte[] data) implements DeviceEvent {
    }

    /**
     * SEND_RARP: the front end asks the device to announce mac (a guest that moved here). Reply:
     * null, or a failure when the device does not announce.
     */
    record SendRarp(byte[] mac) implements DeviceEvent {
    }

    /** NET_SET_MTU: the driver's MTU. Reply: null, or a failure with the device's reason. */
    record SetMtu(long mtu) implements DeviceEvent {
    }

    /**
     * SET_LOG_BASE: the dirty log for live migration, mapped; it replaces the previous one, which
     * the host closes once no queue uses it. Logging runs while the features have LOG_ALL. Reply:
     * null once every running queue has the new log.
     */
    record LogBase(org.vhostvertx.memory.DirtyLog log) implements DeviceEvent {
    }

    /**
     * SET_VRING_ADDR on a running ring that changed only its VHOST_VRING_F_LOG flag (QEMU turns ring
     * logging on and off this way as a migration starts and ends). Reply: null once applied.
     */
    record RingLogging(int index, boolean on) implements DeviceEvent {
    }

    /** RESET_DEVICE, RESET_OWNER, or a status of 0. Reply: null once every queue is parked. */
    record Reset() implements DeviceEvent {
    }

    /** The front end went away. Reply: null once every queue is parked. */
    record Disconnected() implements DeviceEvent {
    }
}
