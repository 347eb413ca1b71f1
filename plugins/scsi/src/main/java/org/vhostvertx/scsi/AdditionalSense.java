package org.vhostvertx.scsi;

/**
 * Additional sense codes (ASC) we report (SPC-4 §4.5.6). The qualifier (ASCQ) is 00h
 * for every one of them except where a constant for it is given.
 */
final class AdditionalSense {

    static final int NO_ADDITIONAL_SENSE = 0x00;
    /** With MEDIUM ERROR: a write, or a flush of written data, failed. */
    static final int WRITE_ERROR = 0x0c;
    /** With MEDIUM ERROR: a read failed. */
    static final int UNRECOVERED_READ_ERROR = 0x11;
    static final int PARAMETER_LIST_LENGTH_ERROR = 0x1a;
    /** With MISCOMPARE: VERIFY found data-out bytes that differ from the medium. */
    static final int MISCOMPARE_DURING_VERIFY = 0x1d;
    static final int INVALID_COMMAND_OPERATION_CODE = 0x20;
    static final int LBA_OUT_OF_RANGE = 0x21;
    static final int INVALID_FIELD_IN_CDB = 0x24;
    static final int INVALID_FIELD_IN_PARAMETER_LIST = 0x26;
    /** With DATA PROTECT; ASCQ 00h is plain WRITE PROTECTED. */
    static final int WRITE_PROTECTED = 0x27;
    /** ASCQ of WRITE_PROTECTED: SPACE ALLOCATION FAILED WRITE PROTECT, a thin disk out of room (SBC-3). */
    static final int SPACE_ALLOCATION_FAILED = 0x07;
    static final int SAVING_PARAMETERS_NOT_SUPPORTED = 0x39;

    private AdditionalSense() {
    }
}
