package org.vhostvertx.protocol;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.VringAddresses;

/**
 * What the front end told us about one ring, on the control side. The ring starts on a worker
 * once it has a size, addresses and a kick, and is enabled; it stops on GET_VRING_BASE, on
 * SET_VRING_ENABLE 0, on reset and on disconnect.
 */
final class RingSlot {

    final int index;
    int size;
    VringAddresses addresses;
    int base;
    int kickFd = -1;
    boolean kickSet;
    int callFd = -1;
    int errFd = -1;
    boolean enabled;
    boolean running;

    RingSlot(int index) {
        this.index = index;
    }

    boolean ready() {
        return size > 0 && addresses != null && kickSet && enabled && !running;
    }

    void replaceKick(int fd) {
        Linux.close(kickFd);
        kickFd = fd;
    }

    /** The device was reset: the ring forgets all the front end told it. */
    void reset() {
        closeFds();
        running = false;
        kickSet = false;
        enabled = false;
        size = 0;
        addresses = null;
        base = 0;
    }

    void closeFds() {
        Linux.close(kickFd);
        Linux.close(callFd);
        Linux.close(errFd);
        kickFd = -1;
        callFd = -1;
        errFd = -1;
    }
}
