package org.vhostvertx.test.frontend;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Whether the real-client tests (QEMU guests, DPDK's testpmd) must run. They must, unless the test
 * command was told otherwise ({@code bin/test --no-real-clients} sets
 * {@code -Dvhostvertx.realClients=false}): a missing client is then a failure naming it, never a
 * silent skip that turns a green run into a proof of nothing.
 */
public final class RealClients {

    public static final String PROPERTY = "vhostvertx.realClients";

    private RealClients() {
    }

    /** Fails (or, when real clients were waived, skips) the calling test when reason is not null. */
    public static void require(String what, String reason) {
        if ("false".equals(System.getProperty(PROPERTY))) {
            assumeTrue(reason == null, what + " skipped (--no-real-clients): " + reason);
        } else {
            assertNull(reason, what + " must run (bin/test installs it as root; --no-real-clients skips it)");
        }
    }
}
