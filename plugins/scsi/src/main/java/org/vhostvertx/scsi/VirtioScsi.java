package org.vhostvertx.scsi;

import org.vhostvertx.device.FeatureNames;

import java.util.Map;

/** virtio-scsi constants (virtio 1.2 §5.6): features, response codes, control and event types. */
final class VirtioScsi {

    static final int DEVICE_ID = 8;

    static final long F_INOUT = 1L << 0;
    static final long F_HOTPLUG = 1L << 1;
    static final long F_CHANGE = 1L << 2;
    /** The bits above by number, named as the specification names them without VIRTIO_SCSI_F_. */
    static final Map<Integer, String> FEATURE_NAMES = Map.ofEntries(
            FeatureNames.entry(F_INOUT, "INOUT"),
            FeatureNames.entry(F_HOTPLUG, "HOTPLUG"),
            FeatureNames.entry(F_CHANGE, "CHANGE"));

    static final int CDB_SIZE = 32;
    static final int SENSE_SIZE = 96;
    /** lun[8], id, task_attr, prio, crn, then the CDB. */
    static final int REQ_HEADER = 8 + 8 + 1 + 1 + 1 + CDB_SIZE;
    /** sense_len, residual, status_qualifier, status, response, then the sense buffer. */
    static final int RESP_HEADER = 4 + 4 + 2 + 1 + 1;
    static final int RESP_SIZE = RESP_HEADER + SENSE_SIZE;

    static final int S_OK = 0;
    static final int S_OVERRUN = 1;
    static final int S_ABORTED = 2;
    static final int S_BAD_TARGET = 3;
    static final int S_RESET = 4;
    static final int S_BUSY = 5;
    static final int S_TRANSPORT_FAILURE = 6;
    static final int S_TARGET_FAILURE = 7;
    static final int S_NEXUS_FAILURE = 8;
    static final int S_FAILURE = 9;
    static final int S_FUNCTION_SUCCEEDED = 10;
    static final int S_FUNCTION_REJECTED = 11;
    static final int S_INCORRECT_LUN = 12;
    static final int S_FUNCTION_COMPLETE = 0;

    static final int T_TMF = 0;
    static final int T_AN_QUERY = 1;
    static final int T_AN_SUBSCRIBE = 2;

    static final int TMF_ABORT_TASK = 0;
    static final int TMF_ABORT_TASK_SET = 1;
    static final int TMF_CLEAR_ACA = 2;
    static final int TMF_CLEAR_TASK_SET = 3;
    static final int TMF_I_T_NEXUS_RESET = 4;
    static final int TMF_LOGICAL_UNIT_RESET = 5;
    static final int TMF_QUERY_TASK = 6;
    static final int TMF_QUERY_TASK_SET = 7;

    static final int T_NO_EVENT = 0;
    static final int T_TRANSPORT_RESET = 1;
    static final int T_ASYNC_NOTIFY = 2;
    static final int T_PARAM_CHANGE = 3;
    static final int T_EVENTS_MISSED = 0x80000000;
    static final int EVT_RESET_HARD = 0;
    static final int EVT_RESET_RESCAN = 1;
    static final int EVT_RESET_REMOVED = 2;

    static final int CONTROL_QUEUE = 0;
    static final int EVENT_QUEUE = 1;
    static final int FIRST_REQUEST_QUEUE = 2;

    private VirtioScsi() {
    }

    /** The LUN a virtio-scsi lun[8] field addresses, or -1 if it is not target 0 of bus 1. */
    static int lunOf(byte[] lun) {
        if (lun[0] != 1 || lun[1] != 0) {
            return -1;
        }
        return ((lun[2] & 0x3f) << 8) | (lun[3] & 0xff);
    }

    /**
     * The lun[8] field of an event for a LUN of target 0: peripheral addressing below 256, flat
     * space addressing (0x40) above. Linux reads lun[2..3] of an event without masking the
     * address method, so a small LUN must not carry the flat-space bit.
     */
    static byte[] lunField(int lun) {
        byte[] f = new byte[8];
        f[0] = 1;
        f[1] = 0;
        f[2] = (byte) (lun >= 256 ? (lun >> 8) | 0x40 : 0);
        f[3] = (byte) lun;
        return f;
    }
}
