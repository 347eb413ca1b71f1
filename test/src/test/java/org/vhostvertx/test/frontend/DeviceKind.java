package org.vhostvertx.test.frontend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The kinds of device the reliability tests load: each one's configuration entry (disks in RAM,
 * so that hundreds of them cost no disk space), the queues our front end starts on it, and
 * verified I/O through it.
 */
public enum DeviceKind {
    BLK(1),
    SCSI(3),
    /** A net reflect port. */
    REFLECT(3),
    /** A port of the net switch "lan"; its I/O needs a second port (see {@link #io}). */
    SWITCH_PORT(3);

    /** Bytes of each RAM disk and LUN. */
    private static final String DISK_SIZE = "1M";

    private final int queues;

    DeviceKind(int queues) {
        this.queues = queues;
    }

    /**
     * Queues our front end starts: blk's one request queue; scsi's control, event and request;
     * net's receive, transmit and control.
     */
    public int queues() {
        return queues;
    }

    public JsonObject entry(String id, Path socket) {
        JsonObject e = new JsonObject().put("id", id).put("socket", socket.toString());
        return switch (this) {
            case BLK -> e.put("type", "blk").put("ram", true).put("size", DISK_SIZE);
            case SCSI -> e.put("type", "scsi")
                    .put("luns", new JsonArray().add(new JsonObject().put("ram", true).put("size", DISK_SIZE)));
            case REFLECT -> e.put("type", "net").put("port", "reflect");
            case SWITCH_PORT -> e.put("type", "net").put("port", "switch").put("switch", "lan");
        };
    }

    /** A locally administered unicast MAC for the guest on the port numbered n. */
    public static byte[] mac(int n) {
        return new byte[]{0x02, 0, 0, 0, (byte) (n >> 8), (byte) n};
    }

    /**
     * Verified I/O with depth requests in flight through c, connected to a device of this kind
     * (numbered n, for a net guest's MAC). A switch port has no I/O of its own: use
     * {@link NetVerifiedIo#through} between two.
     */
    public VerifiedIo io(GuestConnection c, int n, int depth) throws IOException {
        return switch (this) {
            case BLK -> new BlkVerifiedIo(c.fe(), depth, 4096);
            case SCSI -> new ScsiVerifiedIo(c.fe(), depth);
            case REFLECT -> NetVerifiedIo.reflect(new NetPort(c.fe(), mac(n), depth), depth);
            case SWITCH_PORT -> throw new IllegalArgumentException("a switch port needs a peer port for its I/O");
        };
    }
}
