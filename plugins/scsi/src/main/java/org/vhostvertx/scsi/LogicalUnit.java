package org.vhostvertx.scsi;

import org.vhostvertx.storage.ImageStore;

import java.util.ArrayDeque;

/**
 * One LUN: a direct-access block device on an {@link ImageStore}, with its identity (vendor,
 * product, revision, serial), its write-cache setting and the unit attentions it still owes the
 * initiator. Commands for one LUN may run on several request queues' workers, so the mutable state
 * is guarded by this object.
 */
public final class LogicalUnit implements AutoCloseable {

    public static final int BLOCK_SIZE = 512;

    private final int lun;
    private final ImageStore store;
    private final boolean readOnly;
    private final String vendor;
    private final String product;
    private final String revision;
    private final String serial;
    private volatile long capacityBytes;
    private volatile boolean writeCache = true;
    private final ArrayDeque<int[]> unitAttentions = new ArrayDeque<>();
    /** Transfers the queues' engines have in flight on the image: it closes only when none is left. */
    private final java.util.concurrent.atomic.AtomicInteger ioInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Read without the lock on every command: almost always false. */
    private volatile boolean attentionPending;

    public LogicalUnit(int lun, ImageStore store, boolean readOnly, String vendor, String product, String revision,
                       String serial) {
        this.lun = lun;
        this.store = store;
        this.readOnly = readOnly;
        this.vendor = vendor;
        this.product = product;
        this.revision = revision;
        this.serial = serial;
        this.capacityBytes = store.size();
        // A LUN starts with "power on, reset, or bus device reset occurred" pending (SPC-4 §5.14).
        unitAttentions.add(new int[]{0x29, 0x00});
        attentionPending = true;
    }

    public int lun() {
        return lun;
    }

    public int fd() {
        return store.fd();
    }

    public ImageStore store() {
        return store;
    }

    /** Capacity in logical blocks. */
    public long blocks() {
        return capacityBytes / BLOCK_SIZE;
    }

    public boolean readOnly() {
        return readOnly;
    }

    public String vendor() {
        return vendor;
    }

    public String product() {
        return product;
    }

    public String revision() {
        return revision;
    }

    public String serial() {
        return serial;
    }

    public boolean writeCache() {
        return writeCache;
    }

    public void writeCache(boolean on) {
        writeCache = on;
    }

    /** The image grew or shrank: the next command gets CAPACITY DATA HAS CHANGED. */
    public synchronized void capacityChanged(long bytes) {
        capacityBytes = bytes;
        unitAttentions.add(new int[]{0x2a, 0x09});
        attentionPending = true;
    }

    /** The next unit attention owed {asc, ascq}, taken off the list; null when none. */
    public int[] takeUnitAttention() {
        if (!attentionPending) {
            return null;
        }
        synchronized (this) {
            int[] next = unitAttentions.poll();
            attentionPending = !unitAttentions.isEmpty();
            return next;
        }
    }

    /** A LUN or target reset: forget queued attentions except a new reset one. */
    public synchronized void reset() {
        unitAttentions.clear();
        unitAttentions.add(new int[]{0x29, 0x00});
        attentionPending = true;
    }

    void ioStarted() {
        ioInFlight.incrementAndGet();
    }

    void ioFinished() {
        ioInFlight.decrementAndGet();
    }

    /** Transfers started on the image and not finished (a removed LUN's image closes only at 0). */
    int ioInFlight() {
        return ioInFlight.get();
    }

    @Override
    public void close() {
        store.close();
    }
}
