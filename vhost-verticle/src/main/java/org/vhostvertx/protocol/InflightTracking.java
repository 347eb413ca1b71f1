package org.vhostvertx.protocol;

import io.vertx.core.Future;
import org.vhostvertx.device.DeviceSpec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The connection's INFLIGHT_SHMFD buffer (GET_INFLIGHT_FD, SET_INFLIGHT_FD): GET makes a new one for
 * the front end to keep, SET hands back the one it kept across our restart. Each ring gets its
 * region of it when it starts, so the device can resume the requests that were in flight.
 */
final class InflightTracking {

    private final DeviceSpec spec;
    private InflightBuffer buffer;

    InflightTracking(DeviceSpec spec) {
        this.spec = spec;
    }

    Future<byte[]> getInflightFd(Message m) {
        ByteBuffer b = m.body();
        int queues = Short.toUnsignedInt(b.getShort(16));
        int queueSize = Short.toUnsignedInt(b.getShort(18));
        if (queues < 1 || queues > spec.queues() || queueSize < 1 || queueSize > spec.maxQueueSize()) {
            throw ProtocolException.refuse("GET_INFLIGHT_FD for " + queues + " queues of " + queueSize);
        }
        if (buffer != null) {
            buffer.close();
        }
        buffer = InflightBuffer.create(queues, queueSize);
        ByteBuffer reply = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        reply.putLong(0, buffer.size()).putLong(8, 0).putShort(16, (short) queues).putShort(18, (short) queueSize);
        m.attachToReply(buffer.fd());
        return Future.succeededFuture(reply.array());
    }

    Future<byte[]> setInflightFd(Message m) {
        ByteBuffer b = m.body();
        long size = b.getLong(0);
        long offset = b.getLong(8);
        int queues = Short.toUnsignedInt(b.getShort(16));
        int queueSize = Short.toUnsignedInt(b.getShort(18));
        if (queues > spec.queues()) {
            throw ProtocolException.refuse("SET_INFLIGHT_FD for " + queues + " queues; the device has "
                    + spec.queues());
        }
        InflightBuffer next = InflightBuffer.adopt(m.takeFd(0), size, offset, queues, queueSize);
        if (buffer != null) {
            buffer.close();
        }
        buffer = next;
        return Future.succeededFuture();
    }

    /** Queue index's region for a ring of ringSize entries, or null if there is none for it. */
    MemorySegment region(int index, int ringSize) {
        return buffer == null ? null : buffer.region(index, ringSize);
    }

    void close() {
        if (buffer != null) {
            buffer.close();
        }
    }
}
