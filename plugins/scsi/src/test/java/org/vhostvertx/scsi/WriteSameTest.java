package org.vhostvertx.scsi;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vhostvertx.storage.ImageStore;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * WRITE SAME(10) and (16) (SBC-3), on RAM (memfd: punch hole, no zero range) and on
 * an ext4 file (both), so every zeroing path runs.
 */
class WriteSameTest {

    private static final int WS10 = 0x41;
    private static final int WS16 = 0x93;
    private static final int UNMAP = 0x08;
    private static final int NDOB = 0x01;

    @TempDir
    Path dir;

    private Harness harness(String kind) {
        return kind.equals("ram") ? Harness.ram(2048) : Harness.file(dir.resolve("disk.img"), 2048);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ram", "file"})
    void aPatternBlockFillsTheRangeAndNothingElse(String kind) {
        try (Harness h = harness(kind)) {
            h.write(0, Patterns.filled(20, 0xee));
            byte[] block = Patterns.blocks(1, 1);
            h.dataOut(Cdbs.rw16(WS16, 0, 5, 10), block);
            assertEquals(512, h.result.dataOutLength);
            byte[] back = h.read(0, 20);
            assertArrayEquals(Patterns.filled(5, 0xee), Patterns.slice(back, 0, 5 * 512));
            for (int i = 5; i < 15; i++) {
                assertArrayEquals(block, Patterns.slice(back, i * 512, (i + 1) * 512), "block " + i);
            }
            assertArrayEquals(Patterns.filled(5, 0xee), Patterns.slice(back, 15 * 512, 20 * 512));
        }
    }

    @Test
    void aRangeLongerThanOneIovecArrayIsFilledWhole() {
        try (Harness h = Harness.ram(2048)) {
            byte[] block = Patterns.blocks(1, 2);
            h.dataOut(Cdbs.rw10(WS10, 0, 1, 1500), block);
            byte[] back = h.read(0, 1502);
            assertArrayEquals(new byte[512], Patterns.slice(back, 0, 512));
            for (int i = 1; i <= 1500; i++) {
                assertArrayEquals(block, Patterns.slice(back, i * 512, (i + 1) * 512), "block " + i);
            }
            assertArrayEquals(new byte[512], Patterns.slice(back, 1501 * 512, 1502 * 512));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ram", "file"})
    void zerosWithUnmapDeallocateAndReadZero(String kind) {
        try (Harness h = harness(kind)) {
            h.write(0, Patterns.filled(64, 0xaa));
            h.dataOut(Cdbs.rw16(WS16, UNMAP, 8, 40), new byte[512]);
            byte[] back = h.read(0, 64);
            assertArrayEquals(Patterns.filled(8, 0xaa), Patterns.slice(back, 0, 8 * 512));
            assertArrayEquals(new byte[40 * 512], Patterns.slice(back, 8 * 512, 48 * 512));
            assertArrayEquals(Patterns.filled(16, 0xaa), Patterns.slice(back, 48 * 512, 64 * 512));

            h.dataOut(Cdbs.rw10(WS10, UNMAP, 1, 3), new byte[512]);
            assertArrayEquals(new byte[3 * 512], h.read(1, 3));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ram", "file"})
    void zerosWithoutUnmapZeroInPlace(String kind) {
        try (Harness h = harness(kind)) {
            h.write(0, Patterns.filled(16, 0xbb));
            h.dataOut(Cdbs.rw10(WS10, 0, 3, 9), new byte[512]);
            byte[] back = h.read(0, 16);
            assertArrayEquals(Patterns.filled(3, 0xbb), Patterns.slice(back, 0, 3 * 512));
            assertArrayEquals(new byte[9 * 512], Patterns.slice(back, 3 * 512, 12 * 512));
            assertArrayEquals(Patterns.filled(4, 0xbb), Patterns.slice(back, 12 * 512, 16 * 512));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, UNMAP})
    void noDataOutBufferMeansZeros(int unmap) {
        try (Harness h = Harness.ram(2048)) {
            h.write(0, Patterns.filled(4, 0xcc));
            h.run(Cdbs.rw16(WS16, NDOB | unmap, 1, 2));
            Senses.assertGood(h.result);
            assertEquals(0, h.result.dataOutLength);
            byte[] back = h.read(0, 4);
            assertArrayEquals(Patterns.filled(1, 0xcc), Patterns.slice(back, 0, 512));
            assertArrayEquals(new byte[1024], Patterns.slice(back, 512, 1536));
            assertArrayEquals(Patterns.filled(1, 0xcc), Patterns.slice(back, 1536, 2048));
        }
    }

    @Test
    void unmapWithANonZeroBlockWritesTheBlock() {
        try (Harness h = Harness.ram(2048)) {
            byte[] block = Patterns.filled(1, 0x5a);
            h.dataOut(Cdbs.rw16(WS16, UNMAP, 0, 3), block);
            assertArrayEquals(Patterns.filled(3, 0x5a), h.read(0, 3));
        }
    }

    @Test
    void zeroBlocksIsRefusedSinceWsnzIsSet() {
        try (Harness h = Harness.ram(2048)) {
            h.run(Cdbs.rw16(WS16, 0, 0, 0), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 10, 7);
            h.run(Cdbs.rw10(WS10, 0, 0, 0), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 7, 7);
        }
    }

    @Test
    void moreThanTheMaximumWriteSameLengthIsAnInvalidField() {
        try (Harness h = Harness.ram(2048)) {
            h.run(Cdbs.rw16(WS16, UNMAP, 0, (4L << 20) + 1), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 10, 7);
        }
    }

    @Test
    void outOfRangeIsRefusedAndChangesNothing() {
        try (Harness h = Harness.ram(2048)) {
            h.write(2040, Patterns.filled(8, 0x12));
            h.run(Cdbs.rw16(WS16, UNMAP, 2040, 9), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertLbaOutOfRange(h.result);
            h.run(Cdbs.rw16(WS16, 0, -8L, 16), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertLbaOutOfRange(h.result);
            assertArrayEquals(Patterns.filled(8, 0x12), h.read(2040, 8));
        }
    }

    @Test
    void unsupportedBitsAreInvalidFields() {
        try (Harness h = Harness.ram(2048)) {
            int[][] cases = {{0x20, 7}, {0x80, 7}, {0x10, 4}, {0x04, 2}, {0x02, 1}, {0x06, 2}};
            for (int[] c : cases) {
                h.run(Cdbs.rw16(WS16, c[0], 0, 1), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
                Senses.assertInvalidCdb(h.result, 1, c[1]);
                h.run(Cdbs.rw10(WS10, c[0], 0, 1), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
                Senses.assertInvalidCdb(h.result, 1, c[1]);
            }
        }
    }

    @Test
    void lessThanOneBlockOfDataOutIsAnInvalidField() {
        try (Harness h = Harness.ram(2048)) {
            h.run(Cdbs.rw16(WS16, 0, 0, 1), TestBuffer.of(new byte[100]), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 1, -1);
            // WRITE SAME(10) has no NDOB: bit 0 is obsolete, so no data-out is still too little.
            h.run(Cdbs.rw10(WS10, NDOB, 0, 1), DataBuffer.EMPTY, DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 1, -1);
        }
    }

    @Test
    void aFailedFillIsAWriteError() {
        // A LUN that believes it is writable on an image opened read-only: every write fails (EBADF).
        Path image = dir.resolve("ro.img");
        ImageStore.file(image, 2048 * 512, false).close();
        LogicalUnit lu = Harness.lun(ImageStore.file(image, 0, true), false);
        try (Harness h = new Harness(lu, false)) {
            h.run(Cdbs.rw16(WS16, 0, 0, 4), TestBuffer.of(Patterns.filled(1, 1)), DataBuffer.EMPTY);
            Senses.assertSense(h.result, SenseKeys.MEDIUM_ERROR, 0x0c, 0x00);
            h.run(Cdbs.rw16(WS16, UNMAP, 0, 4), TestBuffer.of(new byte[512]), DataBuffer.EMPTY);
            Senses.assertSense(h.result, SenseKeys.MEDIUM_ERROR, 0x0c, 0x00);
        }
    }

    @Test
    void withTheWriteCacheOffItIsStillGood() {
        try (Harness h = Harness.ram(2048)) {
            h.lu.writeCache(false);
            h.dataOut(Cdbs.rw16(WS16, UNMAP, 0, 8), new byte[512]);
            h.dataOut(Cdbs.rw16(WS16, 0, 0, 8), Patterns.filled(1, 3));
            assertArrayEquals(Patterns.filled(8, 3), h.read(0, 8));
        }
    }
}
