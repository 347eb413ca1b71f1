package org.vhostvertx.virtq;

/**
 * Where a ring lives, as the front end's virtual addresses (VHOST_USER_SET_VRING_ADDR).
 *
 * <p>For a packed ring, avail is the driver event suppression area and used the device event
 * suppression area.
 */
public record VringAddresses(long descUva, long availUva, long usedUva, long logGpa, int flags) {
    /** VHOST_VRING_F_LOG: log writes to the used ring. */
    public static final int F_LOG = 1;
}
