package org.vhostvertx.scsi;

/**
 * The vital product data pages (SPC-4 §7.8, SBC-3) INQUIRY with EVPD returns. Each page
 * is built whole; the caller cuts it to the allocation length.
 */
final class VpdPages {

    static final int SUPPORTED_PAGES = 0x00;
    static final int UNIT_SERIAL_NUMBER = 0x80;
    static final int DEVICE_IDENTIFICATION = 0x83;
    static final int BLOCK_LIMITS = 0xb0;
    static final int BLOCK_DEVICE_CHARACTERISTICS = 0xb1;
    static final int LOGICAL_BLOCK_PROVISIONING = 0xb2;

    /** Ascending, as SPC-4 requires of the Supported VPD Pages list. */
    private static final int[] SUPPORTED = {SUPPORTED_PAGES, UNIT_SERIAL_NUMBER, DEVICE_IDENTIFICATION,
            BLOCK_LIMITS, BLOCK_DEVICE_CHARACTERISTICS, LOGICAL_BLOCK_PROVISIONING};

    /**
     * The longest serial we report: what the T10 vendor ID designator (one length byte) can carry
     * after the 8-byte vendor and 16-byte product, so every page shows the same serial.
     */
    static final int MAX_SERIAL = 255 - 8 - 16;

    private VpdPages() {
    }

    /** The page, or null when we do not have it. */
    static byte[] page(int pageCode, LogicalUnit lu) {
        return switch (pageCode) {
            case SUPPORTED_PAGES -> supportedPages();
            case UNIT_SERIAL_NUMBER -> unitSerialNumber(lu);
            case DEVICE_IDENTIFICATION -> deviceIdentification(lu);
            case BLOCK_LIMITS -> blockLimits();
            case BLOCK_DEVICE_CHARACTERISTICS -> blockDeviceCharacteristics();
            case LOGICAL_BLOCK_PROVISIONING -> logicalBlockProvisioning();
            default -> null;
        };
    }

    /** A page of pageLength bytes after the four-byte header (SPC-4 §7.8.2). */
    private static byte[] header(int pageCode, int pageLength) {
        byte[] p = new byte[4 + pageLength];
        p[0] = Inquiry.DIRECT_ACCESS_DEVICE;
        p[1] = (byte) pageCode;
        BigEndian.put16(p, 2, pageLength);
        return p;
    }

    private static byte[] supportedPages() {
        byte[] p = header(SUPPORTED_PAGES, SUPPORTED.length);
        for (int i = 0; i < SUPPORTED.length; i++) {
            p[4 + i] = (byte) SUPPORTED[i];
        }
        return p;
    }

    private static byte[] unitSerialNumber(LogicalUnit lu) {
        byte[] serial = AsciiField.bytes(lu.serial(), MAX_SERIAL);
        byte[] p = header(UNIT_SERIAL_NUMBER, serial.length);
        System.arraycopy(serial, 0, p, 4, serial.length);
        return p;
    }

    /**
     * Two logical unit designators (association 00b, SPC-4 §7.8.6.2.1): an NAA one, which Linux
     * and multipath prefer for the LUN's world wide name, and a T10 vendor ID based one built as
     * SPC-4 recommends, vendor + product + serial.
     */
    private static byte[] deviceIdentification(LogicalUnit lu) {
        byte[] serial = AsciiField.bytes(lu.serial(), MAX_SERIAL);
        int naaLength = 4 + 8;
        int t10Length = 4 + 8 + 16 + serial.length;
        byte[] p = header(DEVICE_IDENTIFICATION, naaLength + t10Length);
        int o = 4;
        p[o] = 0x01;                    // code set: binary
        p[o + 1] = 0x03;                // PIV 0, association: logical unit, designator type: NAA
        p[o + 3] = 8;
        BigEndian.put64(p, o + 4, NaaIdentifier.locallyAssigned(lu.serial()));
        o += naaLength;
        p[o] = 0x02;                    // code set: ASCII
        p[o + 1] = 0x01;                // PIV 0, association: logical unit, designator type: T10 vendor ID
        p[o + 3] = (byte) (t10Length - 4);
        AsciiField.put(p, o + 4, 8, lu.vendor());
        AsciiField.put(p, o + 12, 16, lu.product());
        System.arraycopy(serial, 0, p, o + 28, serial.length);
        return p;
    }

    /** SBC-3; the values and why they are what they are live in {@link BlockLimits}. */
    private static byte[] blockLimits() {
        byte[] p = header(BLOCK_LIMITS, 0x3c);
        // WSNZ: WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 ("to the end of the medium") is refused,
        // so no single command can run unbounded.
        p[4] = 0x01;
        p[5] = 0;                       // MAXIMUM COMPARE AND WRITE LENGTH: no COMPARE AND WRITE
        BigEndian.put16(p, 6, BlockLimits.OPTIMAL_TRANSFER_GRANULARITY);
        BigEndian.put32(p, 8, BlockLimits.MAX_TRANSFER_LENGTH);
        BigEndian.put32(p, 12, BlockLimits.OPTIMAL_TRANSFER_LENGTH);
        BigEndian.put32(p, 16, 0);      // MAXIMUM PREFETCH LENGTH: no PRE-FETCH
        BigEndian.put32(p, 20, BlockLimits.MAX_UNMAP_LBA_COUNT);
        BigEndian.put32(p, 24, BlockLimits.MAX_UNMAP_DESCRIPTORS);
        BigEndian.put32(p, 28, BlockLimits.OPTIMAL_UNMAP_GRANULARITY);
        BigEndian.put32(p, 32, 0x8000_0000L);  // UGAVALID, UNMAP GRANULARITY ALIGNMENT 0
        BigEndian.put64(p, 36, BlockLimits.MAX_WRITE_SAME_LENGTH);
        return p;
    }

    /** SBC-3: MEDIUM ROTATION RATE 0001h, a non-rotating medium (Linux: rotational = 0). */
    private static byte[] blockDeviceCharacteristics() {
        byte[] p = header(BLOCK_DEVICE_CHARACTERISTICS, 0x3c);
        BigEndian.put16(p, 4, 0x0001);
        return p;
    }

    /**
     * SBC-3: UNMAP (LBPU), WRITE SAME(16) and (10) with UNMAP (LBPWS, LBPWS10) unmap; an
     * unmapped block reads as zeros (LBPRZ: punched holes do, and where we cannot punch we write
     * zeros); thin provisioned. No thresholds, no anchored state, no provisioning group.
     */
    private static byte[] logicalBlockProvisioning() {
        byte[] p = header(LOGICAL_BLOCK_PROVISIONING, 4);
        p[4] = 0;                       // THRESHOLD EXPONENT
        p[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04);
        p[6] = 0x02;                    // PROVISIONING TYPE: thin
        return p;
    }
}
