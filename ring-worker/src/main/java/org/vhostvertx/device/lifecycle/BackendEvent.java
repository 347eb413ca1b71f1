package org.vhostvertx.device.lifecycle;

/**
 * Local events from a device host to the protocol verticle serving the device
 * (address {@link Addresses#connection(String)}): things the device wants the front end to know,
 * and what an operator asks of the connection.
 */
public sealed interface BackendEvent {

    /** The config space changed: send CONFIG_CHANGE_MSG on the back-end channel. Sent, no reply. */
    record ConfigChanged() implements BackendEvent {
    }

    /**
     * A queue broke (bad ring, bad address, memory fault) at ts (epoch ms); the device needs a
     * reset. Sent, no reply.
     */
    record QueueFailed(int index, String reason, long ts) implements BackendEvent {
    }

    /**
     * An operator drops the front end's connection (the "disconnect" action). A request; the reply
     * is a Boolean, once the connection is closed: true, or false when no front end was connected.
     */
    record Disconnect() implements BackendEvent {
    }
}
