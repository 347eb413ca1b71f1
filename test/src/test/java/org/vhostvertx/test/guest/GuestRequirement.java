package org.vhostvertx.test.guest;

import org.vhostvertx.test.frontend.RealClients;

/** Real-client tests need QEMU and a kernel: see {@link RealClients} for when their absence fails. */
final class GuestRequirement {

    private GuestRequirement() {
    }

    static void require() {
        RealClients.require("QEMU guest test", QemuGuest.available() ? null : QemuGuest.unavailableReason());
    }
}
