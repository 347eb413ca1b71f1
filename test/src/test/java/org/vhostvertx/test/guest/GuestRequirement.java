package org.vhostvertx.test.guest;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real-client tests need QEMU and a kernel. In CI (CI=true) their absence is a failure, never a
 * silent skip; on a developer machine without them the tests are skipped with the reason.
 */
final class GuestRequirement {

    private GuestRequirement() {
    }

    static void require() {
        String reason = QemuGuest.available() ? "" : QemuGuest.unavailableReason();
        if (System.getenv("CI") != null) {
            assertTrue(QemuGuest.available(), "CI must run the real-client tests: " + reason);
        } else {
            assumeTrue(QemuGuest.available(), reason);
        }
    }
}
