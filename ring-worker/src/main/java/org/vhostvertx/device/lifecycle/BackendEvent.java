package org.vhostvertx.device.lifecycle;

/**
 * Local events from a device host to the protocol verticle serving the device
 * (address {@link Addresses#connection(String)}): things the device wants the front end to know.
 */
public sealed interface BackendEvent {

    /** The config space changed: send CONFIG_CHANGE_MSG on the back-end channel. */
    record ConfigChanged() implements BackendEvent {
    }

    /** A queue broke (bad ring, bad address, memory fault); the device needs a reset. */
    record QueueFailed(int index, String reason) implements BackendEvent {
    }
}
