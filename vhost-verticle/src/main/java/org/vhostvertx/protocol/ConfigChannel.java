package org.vhostvertx.protocol;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.linux.UnixSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.logging.Logger;

/**
 * The device's config space between the front end and the device: GET_CONFIG and SET_CONFIG go to
 * the device, and a change the device makes goes back to the front end as CONFIG_CHANGE_MSG on the
 * back-end channel the front end handed us (SET_BACKEND_REQ_FD), the only message we send on it.
 */
final class ConfigChannel {

    private static final Logger LOG = Logger.getLogger(ConfigChannel.class.getName());
    static final int MAX_CONFIG_SIZE = 256;
    /** VHOST_USER_BACKEND_CONFIG_CHANGE_MSG. */
    static final int BACKEND_CONFIG_CHANGE = 2;

    private final String deviceId;
    private final DeviceLink link;
    private final LifecycleEvents events;
    private UnixSocket backend;

    ConfigChannel(String deviceId, DeviceLink link, LifecycleEvents events) {
        this.deviceId = deviceId;
        this.link = link;
        this.events = events;
    }

    /**
     * The part of the config space a GET_CONFIG or SET_CONFIG payload names (u32 offset, u32 size,
     * u32 flags, then size bytes: the data to write, or room for the reply).
     */
    record Access(int offset, int size) {

        /** The access m asks for, or a refusal when it is not inside the config space or its payload. */
        static Access of(Message m) {
            if (m.payload.length < 12) {
                throw ProtocolException.refuse(m.name() + " payload of " + m.payload.length + " bytes");
            }
            ByteBuffer b = m.body();
            int offset = b.getInt(0);
            int size = b.getInt(4);
            // size first: offset + size may overflow an int and pass as negative.
            if (offset < 0 || size < 0 || size > MAX_CONFIG_SIZE - offset || m.payload.length != 12 + size) {
                throw ProtocolException.refuse(m.name() + " of " + size + " bytes at " + offset + " in "
                        + m.payload.length + " bytes");
            }
            return new Access(offset, size);
        }
    }

    Future<byte[]> getConfig(Message m) {
        Access a = Access.of(m);
        int offset = a.offset();
        int size = a.size();
        return link.readConfig().map(config -> {
            byte[] reply = new byte[12 + size];
            System.arraycopy(m.payload, 0, reply, 0, 12);
            if (offset < config.length) {
                System.arraycopy(config, offset, reply, 12, Math.min(size, config.length - offset));
            }
            return reply;
        });
    }

    Future<byte[]> setConfig(Message m) {
        Access a = Access.of(m);
        byte[] data = new byte[a.size()];
        System.arraycopy(m.payload, 12, data, 0, a.size());
        return link.writeConfig(a.offset(), data).map(v -> null);
    }

    Future<byte[]> setBackendReqFd(Message m) {
        if (backend != null) {
            backend.close();
        }
        backend = UnixSocket.adopt(m.takeFd(0));
        return Future.succeededFuture();
    }

    /**
     * Tells the driver its config space changed, if the front end negotiated CONFIG (configNegotiated)
     * and gave us a channel for it.
     */
    void configChanged(boolean configNegotiated) {
        if (backend == null || !configNegotiated) {
            LOG.info("device " + deviceId + ": config changed, but the front end has no back-end channel");
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocate(Message.HEADER_SIZE);
            msg.set(Message.U32, 0, BACKEND_CONFIG_CHANGE);
            msg.set(Message.U32, 4, Message.VERSION);
            msg.set(Message.U32, 8, 0);
            long rc = backend.send(msg, Message.HEADER_SIZE, null, 0);
            if (rc != Message.HEADER_SIZE) {
                LOG.warning("device " + deviceId + ": config-change message not sent (" + rc + ")");
            }
        }
        events.publish("config-changed", new JsonObject());
    }

    void close() {
        if (backend != null) {
            backend.close();
        }
    }
}
