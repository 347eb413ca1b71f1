package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;

import java.util.HexFormat;

/**
 * A virtio-net device (id 1): queue pairs 2k (receive) and 2k+1 (transmit), then the control
 * queue. Each pair is one queue group, so its two handlers share one worker. This is the reflect
 * port; the learning switch and the tap uplink are the next steps of issue 3.
 */
public final class NetDevice implements VirtioDevice {

    static final int MAX_QUEUE_SIZE = 1024;

    private final DeviceContext context;
    private final byte[] mac;
    private final int mtu;
    private final int pairs;
    private final ReflectPair[] pairHandlers;
    private final DropCounters drops = new DropCounters();
    private volatile boolean linkUp = true;

    NetDevice(DeviceContext context, byte[] mac, int mtu, int pairs) {
        this.context = context;
        this.mac = mac;
        this.mtu = mtu;
        this.pairs = pairs;
        this.pairHandlers = new ReflectPair[pairs];
        for (int i = 0; i < pairs; i++) {
            pairHandlers[i] = new ReflectPair(this);
        }
    }

    int pairs() {
        return pairs;
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
        long f = NetFeatures.MAC | NetFeatures.MTU | NetFeatures.STATUS | NetFeatures.MRG_RXBUF
                | NetFeatures.CTRL_VQ | NetFeatures.F_CTRL_RX | NetFeatures.MQ;
        return new DeviceSpec(NetFeatures.DEVICE_ID, f, 1L << 9 /* CONFIG */, 2 * pairs + 1, MAX_QUEUE_SIZE);
    }

    @Override
    public byte[] config() {
        return NetConfigSpace.encode(mac, linkUp ? NetFeatures.S_LINK_UP : 0, pairs, mtu);
    }

    @Override
    public void featuresNegotiated(long features) {
        for (ReflectPair p : pairHandlers) {
            p.features(features);
        }
    }

    @Override
    public int queueGroup(int index) {
        return index / 2;
    }

    @Override
    public QueueHandler queueHandler(int index, long features) {
        if (index == controlQueue()) {
            return new ControlHandler(this);
        }
        ReflectPair pair = pairHandlers[index / 2];
        pair.features(features);
        return index % 2 == 0 ? pair.rxHandler() : pair.txHandler();
    }

    @Override
    public JsonObject control(String action, JsonObject args) {
        switch (action) {
            case "link-up", "link-down" -> {
                linkUp = action.equals("link-up");
                context.configChanged();
                return new JsonObject().put("link", linkUp ? "up" : "down");
            }
            default -> throw new DeviceException("net devices know the actions link-up, link-down; not \"" + action
                    + "\"");
        }
    }

    @Override
    public JsonObject describe() {
        return new JsonObject().put("port", "reflect").put("mac", formatMac(mac)).put("mtu", mtu)
                .put("pairs", pairs).put("link", linkUp ? "up" : "down").put("drops", drops.toJson());
    }

    static String formatMac(byte[] mac) {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
