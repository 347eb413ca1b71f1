package org.vhostvertx.scsi;

import org.vhostvertx.storage.ChainFileIo;
import org.vhostvertx.storage.ChainIo;
import org.vhostvertx.storage.DiskQueueHandler;
import org.vhostvertx.storage.ImageStore;
import org.vhostvertx.storage.IoRequest;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Serves one request queue (virtio 1.2 §5.6.6.1): the request header and CDB, data-out, the
 * response header with sense, data-in. A command for a LUN we do not have gets BAD_TARGET; a
 * command the LUN refuses gets CHECK CONDITION with sense; only a broken ring breaks the queue.
 *
 * <p>With io_uring, READ, WRITE and SYNCHRONIZE CACHE do not move their blocks while the command
 * is interpreted: {@link MediumIo} describes the transfer in the command's {@link CommandResult},
 * the handler submits it through the queue's {@link ChainIo}, and answers the command when it
 * finishes (any order, up to {@link #DEPTH} in flight). Every other command (and all of them
 * without io_uring) runs to its end here, as before.
 */
final class ScsiRequestHandler extends DiskQueueHandler {

    /** Commands in flight per queue with io_uring. */
    static final int DEPTH = 128;

    private final ScsiDevice device;
    private final BlockCommands commands = new BlockCommands();
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment scratch = arena.allocate(4096, 8);
    private final ChainFileIo fileIo = new ChainFileIo();
    private final ChainData dataOut = new ChainData(false, scratch, fileIo);
    private final ChainData dataIn = new ChainData(true, scratch, fileIo);
    /** Per request slot: the command's outcome, and its response area and data lengths (for the residual). */
    private final CommandResult[] results = new CommandResult[DEPTH];
    private final long[] respAreas = new long[DEPTH];
    private final long[] dataInLengths = new long[DEPTH];
    private final long[] dataOutLengths = new long[DEPTH];
    private final byte[] lun = new byte[8];
    private final byte[] cdb = new byte[VirtioScsi.CDB_SIZE];

    ScsiRequestHandler(ScsiDevice device, int index) {
        super(device.context(), index, DEPTH, device::engine);
        this.device = device;
        for (int i = 0; i < DEPTH; i++) {
            results[i] = new CommandResult();
        }
    }

    /** Interprets the popped command; answers it, or starts its transfer. */
    @Override
    protected void start(IoRequest r) {
        DescriptorChain chain = r.chain();
        long readable = chain.readableLength();
        long writable = chain.writableLength();
        if (readable < VirtioScsi.REQ_HEADER || writable < VirtioScsi.RESP_HEADER) {
            // No room to say anything: the request goes back untouched and counts as an error.
            counters.error();
            queue.push(chain, 0);
            counters.request(0);
            io.giveBack(r);
            return;
        }
        chain.read(0, scratch, 0, VirtioScsi.REQ_HEADER);
        MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 0, lun, 0, 8);
        MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 19, cdb, 0, VirtioScsi.CDB_SIZE);
        int slot = r.index();
        CommandResult result = results[slot];
        respAreas[slot] = Math.min(writable, VirtioScsi.RESP_SIZE);
        LogicalUnit lu = device.lun(VirtioScsi.lunOf(lun));
        dataOut.over(chain, VirtioScsi.REQ_HEADER, readable - VirtioScsi.REQ_HEADER, lu);
        dataIn.over(chain, VirtioScsi.RESP_SIZE, writable - VirtioScsi.RESP_SIZE, lu);
        dataInLengths[slot] = dataIn.length();
        dataOutLengths[slot] = dataOut.length();
        result.reset();
        if (lu == null) {
            long residual = dataIn.length() > 0 ? dataIn.length() : dataOut.length();
            respond(chain, result, 0, residual, 0, VirtioScsi.S_BAD_TARGET);
            queue.push(chain, (int) respAreas[slot]);
            counters.request(0);
            io.giveBack(r);
            return;
        }
        // Only an engine that lets requests wait gains by deferring; the synchronous one would
        // just finish them inside the call.
        result.deferMedium = asynchronous();
        commands.execute(lu, device.lunNumbers(), cdb, VirtioScsi.CDB_SIZE, dataOut, dataIn, result);
        if (result.pendingIo == CommandResult.NO_IO) {
            answer(chain, slot);
            io.giveBack(r);
            return;
        }
        ImageStore store = lu.store();
        lu.ioStarted();
        switch (result.pendingIo) {
            case CommandResult.READ -> io.read(r, store, result.pendingLba * LogicalUnit.BLOCK_SIZE,
                    VirtioScsi.RESP_SIZE, result.pendingBytes);
            case CommandResult.WRITE -> io.write(r, store, result.pendingLba * LogicalUnit.BLOCK_SIZE,
                    VirtioScsi.REQ_HEADER, result.pendingBytes, result.pendingDurable);
            default -> io.datasync(r, store);
        }
    }

    /** A deferred transfer finished: the command gets its outcome and goes back to the driver. */
    @Override
    protected void finished(IoRequest r, long rc) {
        CommandResult result = results[r.index()];
        transferEnded(result);
        if (result.pendingIo == CommandResult.READ && rc >= 0 && rc < result.pendingBytes) {
            // Reading past the end of the file: what remains reads as zeros (as the synchronous path does).
            r.chain().zero(VirtioScsi.RESP_SIZE + rc, result.pendingBytes - rc);
        }
        MediumIo.finished(result, rc);
        answer(r.chain(), r.index());
    }

    @Override
    protected void abandoned(IoRequest r) {
        transferEnded(results[r.index()]);
    }

    private void transferEnded(CommandResult result) {
        result.pendingLu.ioFinished();
        device.transferFinished();
    }

    /** Writes the response of the command in slot and pushes its chain. */
    private void answer(DescriptorChain chain, int slot) {
        CommandResult result = results[slot];
        if (result.status != CommandResult.GOOD) {
            counters.error();
        }
        long respArea = respAreas[slot];
        long residual = dataInLengths[slot] > 0 ? dataInLengths[slot] - result.dataInLength
                : dataOutLengths[slot] - result.dataOutLength;
        int sense = (int) Math.min(result.senseLength, respArea - VirtioScsi.RESP_HEADER);
        respond(chain, result, sense, residual, result.status, VirtioScsi.S_OK);
        queue.push(chain, (int) (respArea + result.dataInLength));
        counters.request(result.dataInLength + result.dataOutLength);
    }

    /** Writes virtio_scsi_cmd_resp (and sense bytes of result) at the start of the writable part. */
    private void respond(DescriptorChain chain, CommandResult result, int senseLen, long residual, int status,
                         int response) {
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, senseLen);
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 4, (int) Math.min(residual, 0xffffffffL));
        scratch.set(ValueLayout.JAVA_SHORT_UNALIGNED, 8, (short) 0);
        scratch.set(ValueLayout.JAVA_BYTE, 10, (byte) status);
        scratch.set(ValueLayout.JAVA_BYTE, 11, (byte) response);
        MemorySegment.copy(result.sense, 0, scratch, ValueLayout.JAVA_BYTE, VirtioScsi.RESP_HEADER, senseLen);
        chain.write(0, scratch, 0, VirtioScsi.RESP_HEADER + senseLen);
    }
}
