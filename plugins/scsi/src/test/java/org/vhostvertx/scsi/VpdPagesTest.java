package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.storage.ImageStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Every VPD page, byte for byte (SPC-4 §7.8, SBC-3). */
class VpdPagesTest {

    private final Harness h = Harness.ram(2048);

    @AfterEach
    void close() {
        h.close();
    }

    private byte[] page(int code) {
        return h.dataIn(Cdbs.inquiry(true, code, 0xffff), 0xffff);
    }

    @Test
    void supportedPages() {
        assertArrayEquals(Hex.bytes("00 00 00 06 00 80 83 b0 b1 b2"), page(0x00));
    }

    @Test
    void unitSerialNumber() {
        assertArrayEquals(Hex.concat(Hex.bytes("00 80 00 09"), Hex.ascii("serial-42")), page(0x80));
    }

    /** SHA-256 of the serial, top nibble replaced by 3h (NAA Locally Assigned). */
    static byte[] expectedNaa(String serial) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(serial.getBytes(StandardCharsets.UTF_8));
        byte[] naa = new byte[8];
        System.arraycopy(hash, 0, naa, 0, 8);
        naa[0] = (byte) (0x30 | (naa[0] & 0x0f));
        return naa;
    }

    @Test
    void deviceIdentification() throws Exception {
        byte[] expected = Hex.concat(
                Hex.bytes("00 83 00 31"),
                Hex.bytes("01 03 00 08"), expectedNaa("serial-42"),
                Hex.bytes("02 01 00 21"), Hex.ascii("VERTX   VDISK           serial-42"));
        assertArrayEquals(expected, page(0x83));
    }

    @Test
    void naaIsTheSameForTheSameSerialAndDiffersForAnother() {
        long a = NaaIdentifier.locallyAssigned("serial-42");
        assertEquals(a, NaaIdentifier.locallyAssigned("serial-42"));
        assertNotEquals(a, NaaIdentifier.locallyAssigned("serial-43"));
        assertEquals(3, a >>> 60);
    }

    @Test
    void blockLimits() {
        byte[] e = new byte[64];
        Hex.put(e, 0, "00 b0 00 3c");
        Hex.put(e, 4, "01 00 00 08");      // WSNZ, no COMPARE AND WRITE, granularity 8 blocks
        Hex.put(e, 8, "00 00 80 00");      // MAXIMUM TRANSFER LENGTH 32768
        Hex.put(e, 12, "00 00 08 00");     // OPTIMAL TRANSFER LENGTH 2048
        Hex.put(e, 16, "00 00 00 00");     // MAXIMUM PREFETCH LENGTH
        Hex.put(e, 20, "00 40 00 00");     // MAXIMUM UNMAP LBA COUNT 4 Mi
        Hex.put(e, 24, "00 00 01 00");     // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT 256
        Hex.put(e, 28, "00 00 00 08");     // OPTIMAL UNMAP GRANULARITY 8
        Hex.put(e, 32, "80 00 00 00");     // UGAVALID, alignment 0
        Hex.put(e, 36, "00 00 00 00 00 40 00 00");  // MAXIMUM WRITE SAME LENGTH 4 Mi
        assertArrayEquals(e, page(0xb0));
    }

    @Test
    void blockDeviceCharacteristics() {
        byte[] e = new byte[64];
        Hex.put(e, 0, "00 b1 00 3c 00 01");
        assertArrayEquals(e, page(0xb1));
    }

    @Test
    void logicalBlockProvisioning() {
        assertArrayEquals(Hex.bytes("00 b2 00 04 00 e4 02 00"), page(0xb2));
    }

    @Test
    void pagesAreCutToTheAllocationLength() {
        byte[] data = h.dataIn(Cdbs.inquiry(true, 0x83, 4), 255);
        assertArrayEquals(Hex.bytes("00 83 00 31"), data);  // PAGE LENGTH of the whole page
    }

    @Test
    void anEmptySerialGivesAnEmptySerialPage() {
        LogicalUnit lu = new LogicalUnit(0, ImageStore.ram(4096), false, "V", "P", "R", null);
        try (Harness noSerial = new Harness(lu, false)) {
            assertArrayEquals(Hex.bytes("00 80 00 00"),
                    noSerial.dataIn(Cdbs.inquiry(true, 0x80, 255), 255));
        }
    }

    @Test
    void anOverlongSerialIsCutSoTheDesignatorLengthFits() {
        String serial = "x".repeat(300);
        LogicalUnit lu = new LogicalUnit(0, ImageStore.ram(4096), false, "V", "P", "R", serial);
        try (Harness longSerial = new Harness(lu, false)) {
            byte[] p80 = longSerial.dataIn(Cdbs.inquiry(true, 0x80, 0xffff), 0xffff);
            assertEquals(4 + 231, p80.length);
            byte[] p83 = longSerial.dataIn(Cdbs.inquiry(true, 0x83, 0xffff), 0xffff);
            assertEquals(0xff, p83[16 + 3] & 0xff);     // T10 designator length: 8 + 16 + 231
            assertEquals(4 + 12 + 4 + 255, p83.length);
        }
    }
}
