package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;
import org.vhostvertx.virtq.Virtqueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

/**
 * A virtio-net device (id 1): queue pairs 2k (receive) and 2k+1 (transmit), then the control
 * queue. A reflect or app port's pair is one queue group; pair k of every port of a switch is the
 * switch's lane k, one group, so the handlers that exchange frames run on one worker.
 */
public final class NetDevice implements VirtioDevice {

    static final int MAX_QUEUE_SIZE = 1024;

    private final DeviceContext context;
    private final byte[] mac;
    private volatile int mtu;
    private final int pairs;
    private final ReflectPair[] pairHandlers;
    private final SwitchPort switchPort;
    private final AppPort appPort;
    private final CaptureControl captures;
    private final DropCounters drops = new DropCounters();
    private volatile boolean linkUp = true;
    private volatile long features;
    /** SEND_RARP requests served; read and written on the device host's event loop only. */
    private long announcements;
    /** The pairs the driver uses (MQ_VQ_PAIRS_SET on our control queue); all until it says. */
    private volatile int activePairs;

    /**
     * A reflect port with pairs queue pairs (sw and app null), a port of switch sw, or the port of
     * application app; captures go into captureDir.
     */
    NetDevice(DeviceContext context, byte[] mac, int mtu, int pairs, Switch sw, NetApp app, java.nio.file.Path captureDir) {
        this.context = context;
        this.captures = new CaptureControl(context.id(), captureDir);
        this.mac = mac;
        this.mtu = mtu;
        this.pairs = pairs;
        this.activePairs = pairs;
        this.pairHandlers = new ReflectPair[sw == null && app == null ? pairs : 0];
        this.appPort = app == null ? null : new AppPort(this, app, pairs);
        for (int i = 0; i < pairHandlers.length; i++) {
            pairHandlers[i] = new ReflectPair(this);
        }
        this.switchPort = sw == null ? null : new SwitchPort(this, sw, pairs);
        if (sw != null) {
            sw.add(switchPort);
        }
        this.sw = sw;
    }

    private final Switch sw;

    String id() {
        return context.id();
    }

    byte[] mac() {
        return mac.clone();
    }

    int mtu() {
        return mtu;
    }

    /** The running capture, or null: read once per burst by the ports. */
    Capture capture() {
        return captures.current();
    }

    void wake(int index) {
        context.wake(index);
    }

    /** Has the worker of queue index watch fd (see DeviceContext.watch). */
    void watch(int index, int fd, Runnable onReadable, Runnable notRunning) {
        context.watch(index, fd, onReadable, notRunning);
    }

    /** Runs task on the worker of queue index, or notRunning if it does not run. */
    void runOnWorker(int index, Runnable task, Runnable notRunning) {
        context.runOnWorker(index, task, notRunning);
    }

    int pairs() {
        return pairs;
    }

    int activePairs() {
        return activePairs;
    }

    /** The driver said how many pairs it uses (checked against pairs()). */
    void activePairs(int n) {
        activePairs = n;
    }

    boolean linkUp() {
        return linkUp;
    }

    DropCounters drops() {
        return drops;
    }

    private int controlQueue() {
        return 2 * pairs;
    }

    @Override
    public DeviceSpec spec() {
        // An app port gives its application complete frames and takes complete ones: it completes
        // the guest's partial checksums (CSUM) but sends none (no GUEST_CSUM).
        long f = NetFeatures.CSUM | (appPort == null ? NetFeatures.GUEST_CSUM : 0) | NetFeatures.MAC | NetFeatures.MTU | NetFeatures.STATUS
                | NetFeatures.MRG_RXBUF
                | (sw != null ? NetFeatures.HOST_TSO4 | NetFeatures.HOST_TSO6 | NetFeatures.GUEST_TSO4
                        | NetFeatures.GUEST_TSO6 : 0)
                | NetFeatures.CTRL_VQ | NetFeatures.F_CTRL_RX | NetFeatures.MQ
                // Every port kind and the control queue return buffers in the order they took them:
                // transmit buffers go back after their frame was delivered, copied or dropped, never
                // held while later ones go back, and receive buffers are filled in ring order.
                | Virtqueue.F_IN_ORDER;
        // RARP for SEND_RARP, NET_MTU for NET_SET_MTU. No CONFIG protocol feature: QEMU keeps
        // virtio-net's config space itself (and warns if offered).
        return new DeviceSpec(NetFeatures.DEVICE_ID, f, ProtocolFeatures.RARP | ProtocolFeatures.NET_MTU, 2 * pairs + 1,
                MAX_QUEUE_SIZE);
    }

    @Override
    public byte[] config() {
        return NetConfigSpace.encode(mac, linkUp ? NetFeatures.S_LINK_UP : 0, pairs, mtu);
    }

    boolean negotiated(long feature) {
        return (features & feature) != 0;
    }

    @Override
    public void featuresNegotiated(long features) {
        this.features = features;
        for (ReflectPair p : pairHandlers) {
            p.features(features);
        }
        if (switchPort != null) {
            switchPort.features(features);
        }
        if (appPort != null) {
            appPort.features(features);
        }
    }

    @Override
    public String queueGroup(int index) {
        if (index == controlQueue()) {
            return null;
        }
        return sw != null ? sw.queueGroup(index / 2) : context.id() + "/pair" + index / 2;
    }

    @Override
    public QueueHandler queueHandler(int index, long features) {
        if (index == controlQueue()) {
            return new ControlHandler(this);
        }
        this.features = features;
        if (switchPort != null) {
            switchPort.features(features);
            return index % 2 == 0 ? switchPort.rxHandler(index / 2) : switchPort.txHandler(index / 2);
        }
        if (appPort != null) {
            appPort.features(features);
            return index % 2 == 0 ? appPort.rxHandler(index / 2) : appPort.txHandler(index / 2);
        }
        ReflectPair pair = pairHandlers[index / 2];
        pair.features(features);
        return index % 2 == 0 ? pair.rxHandler() : pair.txHandler();
    }

    @Override
    public void reset() {
        activePairs = pairs;
    }

    @Override
    public JsonObject control(String action, JsonObject args) {
        switch (action) {
            case "link-up", "link-down" -> {
                linkUp = action.equals("link-up");
                context.configChanged();
                return new JsonObject().put("link", linkUp ? "up" : "down");
            }
            case "capture" -> {
                return captures.start(args);
            }
            case "capture-stop" -> {
                return captures.stop();
            }
            case "capture-read" -> {
                return captures.read(args);
            }
            default -> throw new DeviceException("net devices know the actions link-up, link-down, capture,"
                    + " capture-stop, capture-read; not \"" + action + "\"");
        }
    }

    /** capture-read reads up to 512 KiB of a file: the host runs it off its event loop. */
    @Override
    public boolean controlBlocks(String action) {
        return action.equals("capture-read");
    }

    @Override
    public void setMtu(long m) {
        if (m < 68 || m > 65535) {
            throw new DeviceException("MTU " + m + " is not between 68 and 65535");
        }
        mtu = (int) m;
    }

    @Override
    public void sendRarp(byte[] mac) {
        byte[] frame = Rarp.announcement(mac);
        if (switchPort == null) {
            // A reflect port has nobody to tell.
            return;
        }
        announcements++;
        // The guest behind mac is here now (QEMU asks after a migration, for a guest without
        // GUEST_ANNOUNCE): learn it on this port at once. Flooding the announcement alone would
        // teach every switch but ours, and a guest that only answers would stay unreachable
        // until its old entry aged out, as frames for it went on to the port it left.
        switchPort.learnHere(mac);
        MemorySegment seg = Arena.ofAuto().allocate(frame.length);
        MemorySegment.copy(frame, 0, seg, ValueLayout.JAVA_BYTE, 0, frame.length);
        context.runOnWorker(0, () -> switchPort.announce(seg, frame.length));
    }

    @Override
    public java.util.Map<Integer, String> featureNames() {
        return NetFeatures.NAMES;
    }

    @Override
    public JsonObject describe() {
        JsonObject d = new JsonObject().put("port", sw != null ? "switch" : appPort != null ? "app" : "reflect")
                .put("mac", formatMac(mac)).put("mtu", mtu).put("pairs", pairs).put("link", linkUp ? "up" : "down")
                .put("drops", drops.toJson());
        captures.describe(d);
        return sw == null ? d : d.put("handovers", switchPort.handovers()).put("announcements", announcements)
                .mergeIn(sw.describe());
    }

    @Override
    public void close() {
        captures.close();
        if (appPort != null) {
            appPort.close();
        }
        if (sw != null) {
            sw.remove(switchPort);
        }
    }

    static String formatMac(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
