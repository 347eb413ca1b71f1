package org.vhostvertx.scsi;

/**
 * The SCSI command interpreter of a direct-access block device (SPC-4 / SBC-3, what Linux's sd
 * and sg3_utils use). It keeps no state of its own, so one instance may serve every request
 * queue at once; the per-LUN state (write cache, unit attentions) lives in {@link LogicalUnit}.
 *
 * <p>Before a command runs: a pending unit attention is reported instead (except to INQUIRY,
 * REPORT LUNS and REQUEST SENSE, SAM-5); an operation code we do not support is INVALID
 * COMMAND OPERATION CODE, as is a CDB shorter than its operation code's group needs; NACA in the
 * CONTROL byte is an invalid field, since we do not offer ACA (NormACA=0).
 */
public final class BlockCommands {

    /** NACA bit of the CONTROL byte (SAM-5). */
    private static final int NACA = 0x04;

    /** Executes one CDB addressed to lu. luns: every LUN number the target has now (for REPORT LUNS). */
    public void execute(LogicalUnit lu, int[] luns, byte[] cdb, int cdbLength, DataBuffer dataOut, DataBuffer dataIn,
                        CommandResult result) {
        if (cdbLength < 1 || cdb.length < 1) {
            invalidOperationCode(result);
            return;
        }
        int op = cdb[0] & 0xff;
        if (op != OpCodes.INQUIRY && op != OpCodes.REPORT_LUNS && op != OpCodes.REQUEST_SENSE) {
            int[] attention = lu.takeUnitAttention();
            if (attention != null) {
                result.checkCondition(SenseKeys.UNIT_ATTENTION, attention[0], attention[1]);
                return;
            }
        }
        int length = OpCodes.cdbLength(op);
        if (length == 0 || cdbLength < length || cdb.length < length) {
            invalidOperationCode(result);
            return;
        }
        if ((cdb[length - 1] & NACA) != 0) {
            result.invalidField(true, length - 1, 2);
            return;
        }
        switch (op) {
            case OpCodes.TEST_UNIT_READY -> {
                // Always ready: the image is open for as long as the LUN exists.
            }
            case OpCodes.REQUEST_SENSE -> RequestSense.execute(lu, cdb, dataIn, result);
            case OpCodes.INQUIRY -> Inquiry.execute(lu, cdb, dataIn, result);
            case OpCodes.REPORT_LUNS -> ReportLuns.execute(luns, cdb, dataIn, result);
            case OpCodes.READ_CAPACITY_10 -> ReadCapacity.execute10(lu, cdb, dataIn, result);
            case OpCodes.SERVICE_ACTION_IN_16 -> ReadCapacity.execute16(lu, cdb, dataIn, result);
            case OpCodes.READ_6, OpCodes.READ_10, OpCodes.READ_12, OpCodes.READ_16,
                 OpCodes.WRITE_6, OpCodes.WRITE_10, OpCodes.WRITE_12, OpCodes.WRITE_16 ->
                    ReadWrite.execute(lu, cdb, dataOut, dataIn, result);
            case OpCodes.VERIFY_10, OpCodes.VERIFY_16 -> Verify.execute(lu, cdb, dataOut, result);
            case OpCodes.WRITE_SAME_10, OpCodes.WRITE_SAME_16 -> WriteSame.execute(lu, cdb, dataOut, result);
            case OpCodes.UNMAP -> Unmap.execute(lu, cdb, dataOut, result);
            case OpCodes.SYNCHRONIZE_CACHE_10, OpCodes.SYNCHRONIZE_CACHE_16 ->
                    SynchronizeCache.execute(lu, cdb, result);
            case OpCodes.MODE_SENSE_6, OpCodes.MODE_SENSE_10 -> ModeSense.execute(lu, cdb, dataIn, result);
            case OpCodes.MODE_SELECT_6, OpCodes.MODE_SELECT_10 -> ModeSelect.execute(lu, cdb, dataOut, result);
            case OpCodes.START_STOP_UNIT -> startStopUnit(cdb, result);
            case OpCodes.PREVENT_ALLOW_MEDIUM_REMOVAL -> preventAllowMediumRemoval(cdb, result);
            default -> invalidOperationCode(result);
        }
    }

    /**
     * START STOP UNIT (SBC-3). The image cannot be spun down or ejected, so START and LOEJ
     * are accepted and change nothing (the LUN never becomes "stopped": it stays ready). A
     * POWER CONDITION other than 0h (START_VALID) asks for power states we do not have.
     */
    private static void startStopUnit(byte[] cdb, CommandResult result) {
        if ((cdb[4] & 0xf0) != 0) {
            result.invalidField(true, 4, 7);
        }
    }

    /**
     * PREVENT ALLOW MEDIUM REMOVAL (SBC-3): 00b allows removal, 01b prevents it, 10b and
     * 11b are obsolete in SBC-3 (MMC's persistent prevent) and refused. Our medium can never be
     * removed (RMB=0), so "removal shall be prevented" already holds and 01b succeeds as well;
     * SBC-3 asks nothing more of a device without removable medium.
     */
    private static void preventAllowMediumRemoval(byte[] cdb, CommandResult result) {
        if ((cdb[4] & 0x03) > 0x01) {
            result.invalidField(true, 4, 1);
        }
    }

    private static void invalidOperationCode(CommandResult result) {
        result.checkCondition(SenseKeys.ILLEGAL_REQUEST, AdditionalSense.INVALID_COMMAND_OPERATION_CODE, 0);
    }
}
