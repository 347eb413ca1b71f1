package org.vhostvertx.scsi;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The control queue (virtio 1.2 §5.6.6.2): task management and asynchronous-notification queries.
 * Commands run to completion when they arrive, so there is never a task left to abort: ABORT TASK
 * and the queries answer FUNCTION COMPLETE; the resets clear the LUNs' state.
 */
final class ScsiControlHandler implements QueueHandler {

    private final ScsiDevice device;
    private final DescriptorChain chain = new DescriptorChain(8);
    private final MemorySegment scratch = Arena.ofAuto().allocate(64, 8);
    private final byte[] lun = new byte[8];

    ScsiControlHandler(ScsiDevice device) {
        this.device = device;
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        boolean work = false;
        while (queue.pop(chain)) {
            queue.push(chain, serve(counters));
            counters.request(0);
            work = true;
        }
        return work;
    }

    private int serve(QueueCounters counters) {
        if (chain.readableLength() < 4) {
            counters.error();
            return 0;
        }
        chain.read(0, scratch, 0, 4);
        int type = scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        switch (type) {
            case VirtioScsi.T_TMF -> {
                if (chain.readableLength() < 24 || chain.writableLength() < 1) {
                    counters.error();
                    return 0;
                }
                chain.read(0, scratch, 0, 24);
                int subtype = scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
                MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 8, lun, 0, 8);
                chain.writeByte(0, (byte) taskManagement(subtype, VirtioScsi.lunOf(lun)));
                return 1;
            }
            case VirtioScsi.T_AN_QUERY, VirtioScsi.T_AN_SUBSCRIBE -> {
                if (chain.readableLength() < 16 || chain.writableLength() < 5) {
                    counters.error();
                    return 0;
                }
                // We report no asynchronous-notification classes: event_actual 0.
                scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0);
                scratch.set(ValueLayout.JAVA_BYTE, 4, (byte) VirtioScsi.S_OK);
                chain.write(0, scratch, 0, 5);
                return 5;
            }
            default -> {
                counters.error();
                if (chain.writableLength() >= 1) {
                    chain.writeByte(chain.writableLength() - 1, (byte) VirtioScsi.S_FAILURE);
                    return (int) chain.writableLength();
                }
                return 0;
            }
        }
    }

    private int taskManagement(int subtype, int lunNumber) {
        LogicalUnit lu = device.lun(lunNumber);
        if (lu == null && subtype != VirtioScsi.TMF_I_T_NEXUS_RESET) {
            return lunNumber < 0 ? VirtioScsi.S_BAD_TARGET : VirtioScsi.S_INCORRECT_LUN;
        }
        return switch (subtype) {
            case VirtioScsi.TMF_ABORT_TASK, VirtioScsi.TMF_ABORT_TASK_SET, VirtioScsi.TMF_CLEAR_TASK_SET,
                 VirtioScsi.TMF_QUERY_TASK, VirtioScsi.TMF_QUERY_TASK_SET -> VirtioScsi.S_FUNCTION_COMPLETE;
            case VirtioScsi.TMF_LOGICAL_UNIT_RESET -> {
                lu.reset();
                yield VirtioScsi.S_FUNCTION_COMPLETE;
            }
            case VirtioScsi.TMF_I_T_NEXUS_RESET -> {
                device.resetAllLuns();
                yield VirtioScsi.S_FUNCTION_COMPLETE;
            }
            // No ACA support (NACA is never accepted), and nothing else is defined.
            default -> VirtioScsi.S_FUNCTION_REJECTED;
        };
    }
}
