package org.vhostvertx.protocol;

/**
 * The device status the front end reads back with GET_STATUS: what it last set with SET_STATUS,
 * plus DEVICE_NEEDS_RESET from the moment a ring broke (it could not start, or its worker stopped
 * it) until the device is reset. Kept apart because the rings raise it and the dispatcher reports
 * and clears it.
 */
final class DeviceStatus {

    /** virtio status: DEVICE_NEEDS_RESET. */
    static final int NEEDS_RESET = 0x40;

    private int status;
    private boolean needsReset;

    /** SET_STATUS. */
    void set(int status) {
        this.status = status;
    }

    /** GET_STATUS. */
    int get() {
        return status | (needsReset ? NEEDS_RESET : 0);
    }

    void needsReset() {
        needsReset = true;
    }

    /** Whether a ring broke (or could not start) since the last reset. */
    boolean needsResetRaised() {
        return needsReset;
    }

    /** The device was reset. */
    void reset() {
        status = 0;
        needsReset = false;
    }
}
