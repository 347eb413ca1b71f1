package org.vhostvertx.blk;

import org.vhostvertx.storage.ImageStore;
import org.vhostvertx.storage.Sizes;
import org.vhostvertx.uring.IoUringSupport;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;

import java.util.Map;

/**
 * A virtio-blk device (id 2) on a {@link ImageStore}. The action "resize" grows the disk while it
 * serves: the capacity in the config space follows, and the driver hears of it (CONFIG_CHANGE_MSG).
 */
public final class BlkDevice implements VirtioDevice {

    static final int DEVICE_ID = 2;
    static final int MAX_QUEUE_SIZE = 1024;
    /** Data segments per request we offer (config seg_max); a chain adds the header and the status. */
    static final int SEG_MAX = MAX_QUEUE_SIZE - 2;

    private final DeviceContext context;
    private final ImageStore store;
    private final boolean readOnly;
    private final int queues;
    private final int blockSize;
    private final String serial;
    private volatile boolean writeback = true;
    /** How the queues move data: "io_uring", or "sync: " and why not (for stats). */
    private volatile String engine;

    BlkDevice(DeviceContext context, ImageStore store, boolean readOnly, int queues, int blockSize, String serial) {
        this.context = context;
        this.store = store;
        this.readOnly = readOnly;
        this.queues = queues;
        this.blockSize = blockSize;
        this.serial = serial;
        String unavailable = IoUringSupport.unavailableReason();
        this.engine = unavailable == null ? "io_uring" : "sync: " + unavailable;
    }

    @Override
    public DeviceSpec spec() {
        long f = BlkFeatures.SIZE_MAX | BlkFeatures.SEG_MAX | BlkFeatures.BLK_SIZE | BlkFeatures.FLUSH
                | BlkFeatures.TOPOLOGY | BlkFeatures.CONFIG_WCE | BlkFeatures.MQ | BlkFeatures.DISCARD
                | BlkFeatures.WRITE_ZEROES;
        if (readOnly) {
            f |= BlkFeatures.RO;
        }
        // CONFIG: QEMU's vhost-user-blk reads the config space from us. INFLIGHT_SHMFD: a restarted
        // back end resumes the requests that were in flight.
        return new DeviceSpec(DEVICE_ID, f, ProtocolFeatures.CONFIG | ProtocolFeatures.INFLIGHT_SHMFD, queues,
                MAX_QUEUE_SIZE, SEG_MAX + 2);
    }

    @Override
    public byte[] config() {
        return BlkConfigSpace.encode(store.size() / 512, SEG_MAX, blockSize, queues, writeback);
    }

    @Override
    public void writeConfig(int offset, byte[] data) {
        if (offset == BlkConfigSpace.WRITEBACK_OFFSET && data.length == 1 && (data[0] == 0 || data[0] == 1)) {
            writeback = data[0] == 1;
            return;
        }
        throw new DeviceException("only the writeback byte (offset 32, value 0 or 1) of the blk config space is "
                + "writable; got " + data.length + " bytes at " + offset);
    }

    @Override
    public QueueHandler queueHandler(int index, long features) {
        return new BlkQueueHandler(this, index);
    }

    @Override
    public void reset() {
        writeback = true;
    }

    @Override
    public JsonObject control(String action, JsonObject arguments) {
        if (!action.equals("resize")) {
            throw new DeviceException("blk devices know the action resize; not \"" + action + "\"");
        }
        return resize(arguments);
    }

    /**
     * {"size": "2G"}: grows the image (a file sparse, RAM with zeros) to size, which the handlers
     * take as the capacity from their next request on, and tells the driver its config space
     * changed. A disk never shrinks under a driver that may use its end, and a read-only one keeps
     * its size.
     */
    private JsonObject resize(JsonObject arguments) {
        if (readOnly) {
            throw new DeviceException("the disk is read-only; its size cannot change");
        }
        long size = Sizes.parse(arguments.getValue("size"), "size");
        if (size < 512 || size % 512 != 0) {
            throw new DeviceException("\"size\" must be a positive multiple of 512 bytes, was " + size);
        }
        long current = store.size();
        if (size < current) {
            throw new DeviceException("\"size\" " + size + " is below the disk's current " + current
                    + " bytes; a disk does not shrink under its driver");
        }
        if (size > current) {
            store.resize(size);
            context.configChanged();
        }
        return new JsonObject().put("size", size);
    }

    @Override
    public Map<Integer, String> featureNames() {
        return BlkFeatures.NAMES;
    }

    ImageStore store() {
        return store;
    }

    boolean readOnly() {
        return readOnly;
    }

    boolean writeback() {
        return writeback;
    }

    DeviceContext context() {
        return context;
    }

    /** A queue's engine, as it was set up (a queue may fall back alone, e.g. out of descriptors). */
    void engine(String engine) {
        this.engine = engine;
    }

    String serial() {
        return serial;
    }

    @Override
    public JsonObject describe() {
        return new JsonObject().put("image", store.description()).put("size", store.size())
                .put("readOnly", readOnly).put("writeback", writeback).put("queues", queues)
                .put("direct", store.directAlignment() != 0).put("io", engine);
    }

    @Override
    public void close() {
        store.close();
    }
}
