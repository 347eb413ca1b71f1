package org.vhostvertx.scsi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The logical unit name of the Device Identification VPD page, in NAA "Locally Assigned"
 * format (NAA 3h, SPC-4 §7.8.6.6.3): 3h in the top four bits and a 60-bit value we choose. We
 * have no IEEE company ID, so the IEEE formats (5h, 6h) are not ours to use.
 *
 * <p>The 60 bits are the first bits of SHA-256 of the serial number: the same serial gives the
 * same name on every start and host (multipath and /dev/disk/by-id rely on that), and different
 * serials collide with negligible probability.
 */
final class NaaIdentifier {

    private NaaIdentifier() {
    }

    static long locallyAssigned(String serial) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256")
                    .digest((serial == null ? "" : serial).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long v = BigEndian.u64(hash, 0);
        return 0x3000_0000_0000_0000L | (v & 0x0fff_ffff_ffff_ffffL);
    }
}
