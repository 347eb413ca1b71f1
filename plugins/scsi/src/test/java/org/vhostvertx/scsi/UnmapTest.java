package org.vhostvertx.scsi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** UNMAP (SBC-3): parameter list parsing, range checks, and zeros after. */
class UnmapTest {

    @TempDir
    Path dir;

    private Harness harness(String kind) {
        return kind.equals("ram") ? Harness.ram(2048) : Harness.file(dir.resolve("disk.img"), 2048);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ram", "file"})
    void everyDescribedRangeReadsZeros(String kind) {
        try (Harness h = harness(kind)) {
            h.write(0, Patterns.filled(100, 0xaa));
            byte[] list = Cdbs.unmapList(10, 5, 50, 10);
            h.dataOut(Cdbs.unmap(list.length), list);
            assertEquals(list.length, h.result.dataOutLength);
            byte[] back = h.read(0, 100);
            for (int i = 0; i < 100; i++) {
                boolean unmapped = (i >= 10 && i < 15) || (i >= 50 && i < 60);
                assertArrayEquals(unmapped ? new byte[512] : Patterns.filled(1, 0xaa),
                        Patterns.slice(back, i * 512, (i + 1) * 512), "block " + i);
            }
        }
    }

    @Test
    void anEmptyParameterListIsGood() {
        try (Harness h = Harness.ram(2048)) {
            h.good(Cdbs.unmap(0));
            byte[] headerOnly = Cdbs.unmapList();
            h.dataOut(Cdbs.unmap(headerOnly.length), headerOnly);
        }
    }

    @Test
    void aParameterListShorterThanItsHeaderIsALengthError() {
        try (Harness h = Harness.ram(2048)) {
            h.run(Cdbs.unmap(7), TestBuffer.of(new byte[7]), DataBuffer.EMPTY);
            Senses.assertSense(h.result, SenseKeys.ILLEGAL_REQUEST, 0x1a, 0x00);
        }
    }

    @Test
    void lessDataOutThanTheParameterListLengthIsAnInvalidField() {
        try (Harness h = Harness.ram(2048)) {
            byte[] list = Cdbs.unmapList(0, 1);
            h.run(Cdbs.unmap(list.length + 16), TestBuffer.of(list), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 7, 7);
        }
    }

    @Test
    void aRangePastTheEndChangesNothing() {
        try (Harness h = Harness.ram(2048)) {
            h.write(0, Patterns.filled(4, 0xaa));
            byte[] list = Cdbs.unmapList(0, 4, 2040, 9);
            h.run(Cdbs.unmap(list.length), TestBuffer.of(list), DataBuffer.EMPTY);
            Senses.assertLbaOutOfRange(h.result);
            assertArrayEquals(Patterns.filled(4, 0xaa), h.read(0, 4));

            byte[] wrap = Cdbs.unmapList(-1L, 2);
            h.run(Cdbs.unmap(wrap.length), TestBuffer.of(wrap), DataBuffer.EMPTY);
            Senses.assertLbaOutOfRange(h.result);
        }
    }

    @Test
    void tooManyDescriptorsIsAnInvalidParameter() {
        try (Harness h = Harness.ram(2048)) {
            long[] pairs = new long[2 * 257];
            byte[] list = Cdbs.unmapList(pairs);
            h.run(Cdbs.unmap(list.length), TestBuffer.of(list), DataBuffer.EMPTY);
            Senses.assertInvalidParameter(h.result, 2, 7);

            byte[] max = Cdbs.unmapList(new long[2 * 256]);
            h.dataOut(Cdbs.unmap(max.length), max);
        }
    }

    @Test
    void tooManyBlocksIsAnInvalidParameter() {
        try (Harness h = Harness.ram(2048)) {
            byte[] list = Cdbs.unmapList(0, 1, 0, (4L << 20) + 1);
            h.run(Cdbs.unmap(list.length), TestBuffer.of(list), DataBuffer.EMPTY);
            Senses.assertInvalidParameter(h.result, 8 + 16 + 8, 7);
        }
        // The total counts too: two descriptors of 3 Mi and 2 Mi blocks on a 5 Mi block disk.
        try (Harness h = Harness.ram(5L << 20)) {
            byte[] list = Cdbs.unmapList(0, 3L << 20, 3L << 20, 2L << 20);
            h.run(Cdbs.unmap(list.length), TestBuffer.of(list), DataBuffer.EMPTY);
            Senses.assertInvalidParameter(h.result, 8 + 16 + 8, 7);
        }
    }

    @Test
    void zeroBlockDescriptorsAndPartialDescriptorsAreIgnored() {
        try (Harness h = Harness.ram(2048)) {
            h.write(0, Patterns.filled(4, 0xaa));
            byte[] list = Cdbs.unmapList(0, 0, 2, 1);
            h.dataOut(Cdbs.unmap(list.length), list);
            byte[] back = h.read(0, 4);
            assertArrayEquals(Patterns.filled(2, 0xaa), Patterns.slice(back, 0, 1024));
            assertArrayEquals(new byte[512], Patterns.slice(back, 1024, 1536));

            // Descriptor data length 16 + 8: the partial second descriptor is ignored.
            byte[] partial = Cdbs.unmapList(3, 1, 0, 4);
            BigEndian.put16(partial, 2, 24);
            h.dataOut(Cdbs.unmap(partial.length), partial);
            back = h.read(0, 4);
            assertArrayEquals(Patterns.filled(2, 0xaa), Patterns.slice(back, 0, 1024));
            assertArrayEquals(new byte[1024], Patterns.slice(back, 1024, 2048));
        }
    }

    @Test
    void descriptorsBeyondTheParameterListLengthAreIgnored() {
        try (Harness h = Harness.ram(2048)) {
            h.write(0, Patterns.filled(2, 0xaa));
            byte[] list = Cdbs.unmapList(0, 1, 1, 1);
            h.dataOut(Cdbs.unmap(8 + 16), list);
            assertEquals(24, h.result.dataOutLength);
            byte[] back = h.read(0, 2);
            assertArrayEquals(new byte[512], Patterns.slice(back, 0, 512));
            assertArrayEquals(Patterns.filled(1, 0xaa), Patterns.slice(back, 512, 1024));
        }
    }

    @Test
    void anchorIsAnInvalidField() {
        try (Harness h = Harness.ram(2048)) {
            byte[] list = Cdbs.unmapList(0, 1);
            byte[] cdb = Cdbs.unmap(list.length);
            cdb[1] = 0x01;
            h.run(cdb, TestBuffer.of(list), DataBuffer.EMPTY);
            Senses.assertInvalidCdb(h.result, 1, 0);
        }
    }
}
