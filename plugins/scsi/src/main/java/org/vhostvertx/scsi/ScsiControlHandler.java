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
 * A command is never aborted half-way: its transfer finishes. virtio-scsi lets a task-management
 * function complete only after the requests it concerns have (§5.6.6.2.1), so ABORT TASK, ABORT
 * TASK SET, CLEAR TASK SET and the resets are held until the LUN (every LUN, for I_T NEXUS RESET)
 * has no transfer in flight on the request queues' io_uring, then answer FUNCTION COMPLETE; one
 * is held at a time, and the request queues wake this queue as transfers finish. The queries
 * answer FUNCTION COMPLETE at once; the resets clear the LUNs' state.
 */
final class ScsiControlHandler implements QueueHandler {

    private final ScsiDevice device;
    private final DescriptorChain chain = new DescriptorChain(8);
    private final MemorySegment scratch = Arena.ofAuto().allocate(64, 8);
    private final byte[] lun = new byte[8];
    /** A TMF held in chain until its LUN's transfers finish: its subtype and LUN; subtype -1 for none. */
    private int heldSubtype = -1;
    private int heldLun;

    ScsiControlHandler(ScsiDevice device) {
        this.device = device;
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        boolean work = false;
        if (heldSubtype >= 0) {
            if (!transfersFinished(heldSubtype, heldLun)) {
                return false;
            }
            answerHeld(queue, counters);
            work = true;
        }
        while (queue.pop(chain)) {
            int written = serve(counters);
            if (heldSubtype >= 0) {
                // Held: answered by a later round, and nothing else is taken meanwhile.
                device.tmfWaiting(true);
                return true;
            }
            queue.push(chain, written);
            counters.request(0);
            work = true;
        }
        return work;
    }

    @Override
    public boolean wantsBuffers() {
        return heldSubtype < 0;
    }

    @Override
    public void quiesce(Virtqueue queue, QueueCounters counters) {
        // The queue stops (and the request queues drain as they stop): the held TMF is answered now.
        if (heldSubtype >= 0) {
            answerHeld(queue, counters);
        }
    }

    private void answerHeld(Virtqueue queue, QueueCounters counters) {
        chain.writeByte(0, (byte) taskManagement(heldSubtype, heldLun));
        heldSubtype = -1;
        device.tmfWaiting(false);
        queue.push(chain, 1);
        counters.request(0);
    }

    private boolean transfersFinished(int subtype, int lunNumber) {
        if (subtype == VirtioScsi.TMF_I_T_NEXUS_RESET) {
            return device.allLunsIdle();
        }
        LogicalUnit lu = device.lun(lunNumber);
        return lu == null || lu.ioInFlight() == 0;
    }

    /** Whether the TMF concerns commands that may be in flight (the queries only ask). */
    private static boolean waitsForTransfers(int subtype) {
        return switch (subtype) {
            case VirtioScsi.TMF_ABORT_TASK, VirtioScsi.TMF_ABORT_TASK_SET, VirtioScsi.TMF_CLEAR_TASK_SET,
                 VirtioScsi.TMF_LOGICAL_UNIT_RESET, VirtioScsi.TMF_I_T_NEXUS_RESET -> true;
            default -> false;
        };
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
                int lunNumber = VirtioScsi.lunOf(lun);
                if (waitsForTransfers(subtype) && !transfersFinished(subtype, lunNumber)) {
                    heldSubtype = subtype;
                    heldLun = lunNumber;
                    return 1;
                }
                chain.writeByte(0, (byte) taskManagement(subtype, lunNumber));
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
