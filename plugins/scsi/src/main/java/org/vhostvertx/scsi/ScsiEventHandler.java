package org.vhostvertx.scsi;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The event queue (virtio 1.2 §5.6.6.3): the driver leaves buffers here and the device fills one
 * per event it has to report (a LUN added or removed, a changed parameter). Buffers stay in the
 * ring until there is an event for them.
 */
final class ScsiEventHandler implements QueueHandler {

    static final int EVENT_SIZE = 16;

    private final ScsiDevice device;
    private final DescriptorChain chain = new DescriptorChain(4);
    private final MemorySegment scratch = Arena.ofAuto().allocate(EVENT_SIZE, 8);

    ScsiEventHandler(ScsiDevice device) {
        this.device = device;
    }

    @Override
    public boolean wantsBuffers() {
        return device.hasPendingEvent();
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        boolean work = false;
        while (device.hasPendingEvent() && queue.pop(chain)) {
            if (chain.writableLength() < EVENT_SIZE) {
                counters.error();
                queue.push(chain, 0);
                continue;
            }
            ScsiEvent e = device.takeEvent();
            scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, e.event());
            MemorySegment.copy(VirtioScsi.lunField(Math.max(e.lun(), 0)), 0, scratch, ValueLayout.JAVA_BYTE, 4, 8);
            scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 12, e.reason());
            chain.write(0, scratch, 0, EVENT_SIZE);
            queue.push(chain, EVENT_SIZE);
            counters.request(EVENT_SIZE);
            work = true;
        }
        return work;
    }
}
