package org.vhostvertx.scsi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** READ CAPACITY(10) and (16) (SBC-3), and the capacity in MODE SENSE. */
class ReadCapacityTest {

    @Test
    void readCapacity10() {
        try (Harness h = Harness.ram(2048)) {
            assertArrayEquals(Hex.bytes("00 00 07 ff 00 00 02 00"), h.dataIn(Cdbs.readCapacity10(), 8));
        }
    }

    @Test
    void readCapacity10CutToTheDataInRoom() {
        try (Harness h = Harness.ram(2048)) {
            assertArrayEquals(Hex.bytes("00 00 07 ff"), h.dataIn(Cdbs.readCapacity10(), 4));
        }
    }

    @Test
    void readCapacity16() {
        try (Harness h = Harness.ram(2048)) {
            byte[] e = new byte[32];
            Hex.put(e, 0, "00 00 00 00 00 00 07 ff");  // RETURNED LOGICAL BLOCK ADDRESS
            Hex.put(e, 8, "00 00 02 00");              // LOGICAL BLOCK LENGTH IN BYTES
            Hex.put(e, 12, "00 03 c0 00");             // no PI; 8 logical per physical; LBPME, LBPRZ
            assertArrayEquals(e, h.dataIn(Cdbs.readCapacity16(32), 32));
        }
    }

    @Test
    void readCapacity16CutToTheAllocationLength() {
        try (Harness h = Harness.ram(2048)) {
            assertArrayEquals(Hex.bytes("00 00 00 00 00 00 07 ff 00 00 02 00"),
                    h.dataIn(Cdbs.readCapacity16(12), 32));
        }
    }

    @Test
    void anotherServiceActionIsAnInvalidField() {
        try (Harness h = Harness.ram(2048)) {
            byte[] getLbaStatus = Cdbs.readCapacity16(32);
            getLbaStatus[1] = 0x12;
            h.run(getLbaStatus, DataBuffer.EMPTY, new TestBuffer(32));
            Senses.assertInvalidCdb(h.result, 1, 4);
        }
    }

    @Test
    void anLbaWithoutPmiIsAnInvalidField() {
        try (Harness h = Harness.ram(2048)) {
            byte[] rc10 = Cdbs.of(0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0);
            h.run(rc10, DataBuffer.EMPTY, new TestBuffer(8));
            Senses.assertInvalidCdb(h.result, 2, 7);
            rc10[8] = 1;                                // PMI: allowed, same answer
            assertArrayEquals(Hex.bytes("00 00 07 ff 00 00 02 00"), h.dataIn(rc10, 8));

            byte[] rc16 = Cdbs.readCapacity16(32);
            rc16[9] = 1;
            h.run(rc16, DataBuffer.EMPTY, new TestBuffer(32));
            Senses.assertInvalidCdb(h.result, 2, 7);
        }
    }

    /** A sparse image just past 2 TiB: more blocks than 32 bits can count. */
    @Test
    void moreThanThirtyTwoBitsOfBlocks(@TempDir Path dir) {
        long blocks = (1L << 32) + 8;
        try (Harness h = Harness.file(dir.resolve("huge.img"), blocks)) {
            assertArrayEquals(Hex.bytes("ff ff ff ff 00 00 02 00"), h.dataIn(Cdbs.readCapacity10(), 8));
            assertArrayEquals(Hex.bytes("00 00 00 01 00 00 00 07 00 00 02 00"),
                    h.dataIn(Cdbs.readCapacity16(12), 12));
            // MODE SENSE(6): the short block descriptor saturates too.
            assertArrayEquals(Hex.bytes("1f 00 10 08 ff ff ff ff 00 00 02 00"),
                    h.dataIn(Cdbs.modeSense6(0, 0, 0x08, 0, 12), 255));
            // and the last blocks are reachable with READ(16)
            h.write(blocks - 1, new byte[512]);
        }
    }
}
