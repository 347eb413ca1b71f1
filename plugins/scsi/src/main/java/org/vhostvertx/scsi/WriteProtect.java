package org.vhostvertx.scsi;

/**
 * A read-only LUN refuses every command that would change the medium with DATA PROTECT, WRITE
 * PROTECTED (SBC-3), before looking at the rest of the CDB: the medium is protected
 * whatever the command asks for, so the initiator learns the real reason first.
 */
final class WriteProtect {

    private WriteProtect() {
    }

    /** True (and the sense set) when lu is read-only. */
    static boolean refuses(LogicalUnit lu, CommandResult result) {
        if (!lu.readOnly()) {
            return false;
        }
        result.checkCondition(SenseKeys.DATA_PROTECT, AdditionalSense.WRITE_PROTECTED, 0);
        return true;
    }
}
