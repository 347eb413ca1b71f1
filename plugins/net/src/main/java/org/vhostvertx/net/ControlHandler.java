package org.vhostvertx.net;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The control queue (virtio 1.2 §5.1.6.5): class, command, data, then the device's ack byte.
 * Receive-mode, MAC-table and VLAN commands are acknowledged (a port delivers every frame it is
 * given); MQ_VQ_PAIRS_SET is checked against the offered pairs; anything else is refused.
 */
final class ControlHandler implements QueueHandler {

    private final NetDevice device;
    private final DescriptorChain chain = new DescriptorChain(8);
    private final MemorySegment scratch = Arena.ofAuto().allocate(16, 8);

    ControlHandler(NetDevice device) {
        this.device = device;
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        boolean work = false;
        while (queue.pop(chain)) {
            work = true;
            if (chain.readableLength() < 2 || chain.writableLength() < 1) {
                counters.error();
                queue.push(chain, 0);
                continue;
            }
            chain.read(0, scratch, 0, 2);
            int cls = scratch.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
            int cmd = scratch.get(ValueLayout.JAVA_BYTE, 1) & 0xff;
            int ack = switch (cls) {
                case NetFeatures.CTRL_RX, NetFeatures.CTRL_MAC, NetFeatures.CTRL_VLAN -> NetFeatures.CTRL_OK;
                case NetFeatures.CTRL_ANNOUNCE -> cmd == 0 ? NetFeatures.CTRL_OK : NetFeatures.CTRL_ERR;
                case NetFeatures.CTRL_MQ -> pairsSet(cmd);
                default -> NetFeatures.CTRL_ERR;
            };
            if (ack != NetFeatures.CTRL_OK) {
                counters.error();
            }
            chain.writeByte(chain.writableLength() - 1, (byte) ack);
            queue.push(chain, 1);
            counters.request(chain.readableLength());
        }
        return work;
    }

    private int pairsSet(int cmd) {
        if (cmd != NetFeatures.CTRL_MQ_VQ_PAIRS_SET || chain.readableLength() < 4) {
            return NetFeatures.CTRL_ERR;
        }
        chain.read(2, scratch, 0, 2);
        int pairs = Short.toUnsignedInt(scratch.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        if (pairs < 1 || pairs > device.pairs()) {
            return NetFeatures.CTRL_ERR;
        }
        device.activePairs(pairs);
        return NetFeatures.CTRL_OK;
    }
}
