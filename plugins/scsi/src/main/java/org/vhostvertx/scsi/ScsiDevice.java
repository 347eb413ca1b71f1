package org.vhostvertx.scsi;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;
import org.vhostvertx.storage.Sizes;
import org.vhostvertx.uring.IoUringSupport;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A virtio-scsi device (id 8): one target with LUNs on image files or RAM. Queue 0 is the control
 * queue, 1 the event queue, the rest are request queues. LUNs come and go while the guest runs
 * (actions "lun-add", "lun-remove", "lun-resize"); the guest hears of it on the event queue.
 */
public final class ScsiDevice implements VirtioDevice {

    static final int MAX_QUEUE_SIZE = 1024;
    /**
     * Data segments per command we offer (config seg_max); a chain adds the request and the
     * response. QEMU keeps its own config space (seg_max = its queue size - 2, or 126), never more.
     */
    static final int SEG_MAX = MAX_QUEUE_SIZE - 2;
    private static final int MAX_PENDING_EVENTS = 64;

    /** A lun-add request: its action, the LUN number it may pick, and a LUN object's fields. */
    private static final Set<String> LUN_ADD_FIELDS = Stream.concat(Stream.of("action", "lun"),
            LunSpec.FIELDS.stream()).collect(Collectors.toUnmodifiableSet());

    private final DeviceContext context;
    private final int requestQueues;
    /** How the request queues move blocks: "io_uring", or "sync: " and why not (for stats). */
    private volatile String engine;
    private final Map<Integer, LogicalUnit> luns = new ConcurrentSkipListMap<>();
    private volatile int[] lunNumbers = new int[0];
    private final ConcurrentLinkedQueue<ScsiEvent> events = new ConcurrentLinkedQueue<>();
    private volatile boolean eventsMissed;
    private volatile boolean tmfWaiting;

    ScsiDevice(DeviceContext context, int requestQueues) {
        this.context = context;
        this.requestQueues = requestQueues;
        String unavailable = IoUringSupport.unavailableReason();
        this.engine = unavailable == null ? "io_uring" : "sync: " + unavailable;
    }

    DeviceContext context() {
        return context;
    }

    /** A request queue's engine, as it was set up. */
    void engine(String engine) {
        this.engine = engine;
    }

    void add(LogicalUnit lu) {
        if (luns.putIfAbsent(lu.lun(), lu) != null) {
            throw new DeviceException("LUN " + lu.lun() + " exists already");
        }
        refreshNumbers();
    }

    private void refreshNumbers() {
        lunNumbers = luns.keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    LogicalUnit lun(int number) {
        return number < 0 ? null : luns.get(number);
    }

    int[] lunNumbers() {
        return lunNumbers;
    }

    void resetAllLuns() {
        luns.values().forEach(LogicalUnit::reset);
    }

    /** True when no LUN has a transfer in flight (what an I_T NEXUS RESET waits for). */
    boolean allLunsIdle() {
        for (LogicalUnit lu : luns.values()) {
            if (lu.ioInFlight() != 0) {
                return false;
            }
        }
        return true;
    }

    /** The control queue holds a task-management function until transfers finish (see ScsiControlHandler). */
    void tmfWaiting(boolean waiting) {
        tmfWaiting = waiting;
    }

    /** A request queue finished a transfer: the control queue looks again if a TMF waits for that. */
    void transferFinished() {
        if (tmfWaiting) {
            context.wake(VirtioScsi.CONTROL_QUEUE);
        }
    }

    // ---- events ----------------------------------------------------------------------------

    boolean hasPendingEvent() {
        return eventsMissed || !events.isEmpty();
    }

    /** The next event for the driver; an overflow is reported once as NO_EVENT with EVENTS_MISSED. */
    ScsiEvent takeEvent() {
        ScsiEvent e = events.poll();
        if (eventsMissed) {
            eventsMissed = false;
            if (e == null) {
                return new ScsiEvent(VirtioScsi.T_NO_EVENT | VirtioScsi.T_EVENTS_MISSED, 0, 0);
            }
            return new ScsiEvent(e.event() | VirtioScsi.T_EVENTS_MISSED, e.lun(), e.reason());
        }
        return e;
    }

    private void post(ScsiEvent e) {
        if (events.size() >= MAX_PENDING_EVENTS) {
            events.poll();
            eventsMissed = true;
        }
        events.add(e);
        context.wake(VirtioScsi.EVENT_QUEUE);
    }

    // ---- VirtioDevice ----------------------------------------------------------------------

    @Override
    public DeviceSpec spec() {
        // No CONFIG protocol feature: QEMU's vhost-user-scsi keeps the config space itself (and warns
        // when a back end offers it); GET_CONFIG still answers for front ends that ask.
        //
        // INFLIGHT_SHMFD: a restarted back end resumes the requests that were in flight, on every
        // queue. Control and request commands are each taken and returned within one round, so the
        // region holds only what a kill interrupted, and those are served again: the commands are
        // idempotent (a WRITE writes the same bytes again). The event queue pops a driver's buffer only
        // once it has an event for it; the buffers the driver leaves waiting stay in the ring, not in
        // the region, so a restart neither reports an event for them nor loses them. A buffer taken
        // for an event the kill interrupted is resubmitted and waits, unfilled, for the next event.
        //
        // Not carried over, since it lives only in this process: events not yet delivered (lun-add,
        // lun-remove, lun-resize; and LUNs those actions added or removed: a restart serves the
        // configured ones), unit attentions not yet reported, and a write-cache setting changed by
        // MODE SELECT. Each LUN starts again with its power-on unit attention (29/00), so the
        // initiator hears, in SCSI's own way, that the mode parameters are back to their defaults; a
        // resubmitted command may get it instead of running, and the initiator retries, as it does
        // after any reset. There are no reservations (RESERVE, PERSISTENT RESERVE OUT are refused) and
        // no task outlives its round, so nothing else is lost.
        return new DeviceSpec(VirtioScsi.DEVICE_ID, VirtioScsi.F_HOTPLUG | VirtioScsi.F_CHANGE,
                ProtocolFeatures.INFLIGHT_SHMFD, VirtioScsi.FIRST_REQUEST_QUEUE + requestQueues, MAX_QUEUE_SIZE,
                SEG_MAX + 2);
    }

    @Override
    public byte[] config() {
        return ScsiConfigSpace.encode(requestQueues, SEG_MAX, 0xffff, 128);
    }

    @Override
    public QueueHandler queueHandler(int index, long features) {
        return switch (index) {
            case VirtioScsi.CONTROL_QUEUE -> new ScsiControlHandler(this);
            case VirtioScsi.EVENT_QUEUE -> new ScsiEventHandler(this);
            default -> new ScsiRequestHandler(this, index);
        };
    }

    @Override
    public void reset() {
        events.clear();
        eventsMissed = false;
    }

    @Override
    public JsonObject control(String action, JsonObject args) {
        return switch (action) {
            case "lun-add" -> addLun(args);
            case "lun-remove" -> removeLun(args);
            case "lun-resize" -> resizeLun(args);
            case "luns" -> new JsonObject().put("luns", describeLuns());
            default -> throw new DeviceException("scsi devices know the actions lun-add, lun-remove, lun-resize, luns;"
                    + " not \"" + action + "\"");
        };
    }

    private int lunArgument(JsonObject args) {
        Object v = args.getValue("lun");
        if (!(v instanceof Number n) || n.intValue() < 0 || n.intValue() > ScsiConfigSpace.MAX_LUN) {
            throw new DeviceException("\"lun\" must be a LUN number from 0 to " + ScsiConfigSpace.MAX_LUN + ", was " + v);
        }
        return n.intValue();
    }

    private JsonObject addLun(JsonObject args) {
        // The LUN object of the configuration, so a misspelt field is refused here too.
        ConfigFields.onlyKnown(args, "lun", LUN_ADD_FIELDS);
        int number;
        if (args.getValue("lun") != null) {
            number = lunArgument(args);
        } else {
            number = 0;
            while (luns.containsKey(number)) {
                number++;
            }
        }
        if (luns.containsKey(number)) {
            throw new DeviceException("LUN " + number + " exists already");
        }
        add(LunSpec.open(args, "lun", number, context.id()));
        post(new ScsiEvent(VirtioScsi.T_TRANSPORT_RESET, number, VirtioScsi.EVT_RESET_RESCAN));
        return new JsonObject().put("lun", number);
    }

    private JsonObject removeLun(JsonObject args) {
        int number = lunArgument(args);
        LogicalUnit lu = luns.remove(number);
        if (lu == null) {
            throw new DeviceException("no LUN " + number);
        }
        refreshNumbers();
        post(new ScsiEvent(VirtioScsi.T_TRANSPORT_RESET, number, VirtioScsi.EVT_RESET_REMOVED));
        // A command that found the LUN before it left the map may still be running on a worker, or
        // its transfer in the kernel: close the image once every worker has finished its round and
        // no transfer is left (a transfer resubmitted for its rest names the fd again).
        closeWhenIdle(lu);
        return new JsonObject().put("lun", number);
    }

    private void closeWhenIdle(LogicalUnit lu) {
        context.workersPassed().whenComplete((v, e) -> {
            if (lu.ioInFlight() == 0) {
                lu.close();
            } else {
                CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS).execute(() -> closeWhenIdle(lu));
            }
        });
    }

    private JsonObject resizeLun(JsonObject args) {
        LogicalUnit lu = lun(lunArgument(args));
        if (lu == null) {
            throw new DeviceException("no LUN " + args.getValue("lun"));
        }
        long size = Sizes.parse(args.getValue("size"), "size");
        if (size < 512 || size % 512 != 0) {
            throw new DeviceException("\"size\" must be a positive multiple of 512 bytes, was " + size);
        }
        lu.store().resize(size);
        lu.capacityChanged(size);
        // ASC 0x2A ASCQ 0x09, CAPACITY DATA HAS CHANGED: reason = asc | ascq << 8.
        post(new ScsiEvent(VirtioScsi.T_PARAM_CHANGE, lu.lun(), 0x2a | (0x09 << 8)));
        return new JsonObject().put("lun", lu.lun()).put("size", size);
    }

    private JsonArray describeLuns() {
        JsonArray a = new JsonArray();
        luns.values().forEach(lu -> a.add(new JsonObject().put("lun", lu.lun()).put("image", lu.store().description())
                .put("size", lu.blocks() * LogicalUnit.BLOCK_SIZE).put("readOnly", lu.readOnly())
                .put("vendor", lu.vendor()).put("product", lu.product())
                .put("direct", lu.store().directAlignment() != 0)));
        return a;
    }

    @Override
    public Map<Integer, String> featureNames() {
        return VirtioScsi.FEATURE_NAMES;
    }

    @Override
    public JsonObject describe() {
        return new JsonObject().put("luns", describeLuns()).put("requestQueues", requestQueues).put("io", engine);
    }

    @Override
    public void close() {
        luns.values().forEach(LogicalUnit::close);
        luns.clear();
    }

    @Override
    public String toString() {
        return "scsi " + context.id() + " LUNs " + Arrays.toString(lunNumbers);
    }
}
