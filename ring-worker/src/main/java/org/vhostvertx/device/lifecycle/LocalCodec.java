package org.vhostvertx.device.lifecycle;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes lifecycle objects between verticles of one JVM by reference. They never cross the
 * cluster (they hold memory mappings and descriptors), so the wire methods refuse.
 */
public final class LocalCodec implements MessageCodec<Object, Object> {

    /** Registers the codec once per Vert.x instance. */
    public static void register(EventBus bus) {
        try {
            bus.registerCodec(new LocalCodec());
        } catch (IllegalStateException alreadyRegistered) {
            // another verticle of this Vert.x instance did it first
        }
    }

    @Override
    public void encodeToWire(Buffer buffer, Object o) {
        throw new UnsupportedOperationException("lifecycle events are local to one JVM");
    }

    @Override
    public Object decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException("lifecycle events are local to one JVM");
    }

    @Override
    public Object transform(Object o) {
        return o;
    }

    @Override
    public String name() {
        return Addresses.LOCAL_CODEC;
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
