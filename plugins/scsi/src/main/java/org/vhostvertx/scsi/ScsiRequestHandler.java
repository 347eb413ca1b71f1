package org.vhostvertx.scsi;

import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.storage.ChainFileIo;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Serves one request queue (virtio 1.2 §5.6.6.1): the request header and CDB, data-out, the
 * response header with sense, data-in. A command for a LUN we do not have gets BAD_TARGET; a
 * command the LUN refuses gets CHECK CONDITION with sense; only a broken ring breaks the queue.
 */
final class ScsiRequestHandler implements QueueHandler {

    private static final int BUDGET = 64;

    private final ScsiDevice device;
    private final BlockCommands commands = new BlockCommands();
    private final DescriptorChain chain = new DescriptorChain(64);
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment scratch = arena.allocate(4096, 8);
    private final ChainFileIo io = new ChainFileIo();
    private final ChainData dataOut = new ChainData(false, scratch, io);
    private final ChainData dataIn = new ChainData(true, scratch, io);
    private final CommandResult result = new CommandResult();
    private final byte[] lun = new byte[8];
    private final byte[] cdb = new byte[VirtioScsi.CDB_SIZE];
    private long moved;

    ScsiRequestHandler(ScsiDevice device) {
        this.device = device;
    }

    @Override
    public boolean process(Virtqueue queue, QueueCounters counters) {
        int served = 0;
        while (served < BUDGET && queue.pop(chain)) {
            moved = 0;
            queue.push(chain, serve(counters));
            counters.request(moved);
            served++;
        }
        return served > 0;
    }

    private int serve(QueueCounters counters) {
        long readable = chain.readableLength();
        long writable = chain.writableLength();
        if (readable < VirtioScsi.REQ_HEADER || writable < VirtioScsi.RESP_HEADER) {
            // No room to say anything: the request goes back untouched and counts as an error.
            counters.error();
            return 0;
        }
        chain.read(0, scratch, 0, VirtioScsi.REQ_HEADER);
        MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 0, lun, 0, 8);
        MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 19, cdb, 0, VirtioScsi.CDB_SIZE);
        long respArea = Math.min(writable, VirtioScsi.RESP_SIZE);
        LogicalUnit lu = device.lun(VirtioScsi.lunOf(lun));
        dataOut.over(chain, VirtioScsi.REQ_HEADER, readable - VirtioScsi.REQ_HEADER);
        dataIn.over(chain, VirtioScsi.RESP_SIZE, writable - VirtioScsi.RESP_SIZE);
        if (lu == null) {
            long residual = dataIn.length() > 0 ? dataIn.length() : dataOut.length();
            respond(0, residual, 0, VirtioScsi.S_BAD_TARGET);
            return (int) respArea;
        }
        result.reset();
        commands.execute(lu, device.lunNumbers(), cdb, VirtioScsi.CDB_SIZE, dataOut, dataIn, result);
        if (result.status != CommandResult.GOOD) {
            counters.error();
        }
        long residual = dataIn.length() > 0 ? dataIn.length() - result.dataInLength
                : dataOut.length() - result.dataOutLength;
        int sense = (int) Math.min(result.senseLength, respArea - VirtioScsi.RESP_HEADER);
        respond(sense, residual, result.status, VirtioScsi.S_OK);
        moved = result.dataInLength + result.dataOutLength;
        return (int) (respArea + result.dataInLength);
    }

    /** Writes virtio_scsi_cmd_resp (and sense bytes of result) at the start of the writable part. */
    private void respond(int senseLen, long residual, int status, int response) {
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, senseLen);
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 4, (int) Math.min(residual, 0xffffffffL));
        scratch.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) 0);
        scratch.set(ValueLayout.JAVA_BYTE, 10, (byte) status);
        scratch.set(ValueLayout.JAVA_BYTE, 11, (byte) response);
        MemorySegment.copy(result.sense, 0, scratch, ValueLayout.JAVA_BYTE, VirtioScsi.RESP_HEADER, senseLen);
        chain.write(0, scratch, 0, VirtioScsi.RESP_HEADER + senseLen);
    }
}
