package org.vhostvertx.scsi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** SYNCHRONIZE CACHE(10) and (16) (SBC-3), and FUA writes, on an image file. */
class SynchronizeCacheTest {

    @TempDir
    Path dir;

    @Test
    void synchronizeCacheFlushes() {
        try (Harness h = Harness.file(dir.resolve("disk.img"), 2048)) {
            h.write(0, Patterns.blocks(4, 1));
            h.good(Cdbs.rw10(0x35, 0, 0, 0));               // everything
            h.good(Cdbs.rw10(0x35, 0x02, 0, 4));            // IMMED
            h.good(Cdbs.rw16(0x91, 0, 2047, 1));
            h.good(Cdbs.rw16(0x91, 0, 2048, 0));
        }
    }

    @Test
    void aRangePastTheEndIsOutOfRange() {
        try (Harness h = Harness.ram(2048)) {
            h.run(Cdbs.rw10(0x35, 0, 2047, 2));
            Senses.assertLbaOutOfRange(h.result);
            h.run(Cdbs.rw16(0x91, 0, 2049, 0));
            Senses.assertLbaOutOfRange(h.result);
            h.run(Cdbs.rw16(0x91, 0, -1L, 1));
            Senses.assertLbaOutOfRange(h.result);
        }
    }

    @Test
    void fuaAndWriteThroughWritesAreGood() {
        try (Harness h = Harness.file(dir.resolve("disk.img"), 2048)) {
            byte[] data = Patterns.blocks(8, 2);
            h.dataOut(Cdbs.rw16(0x8a, 0x08, 0, 8), data);
            h.lu.writeCache(false);
            h.dataOut(Cdbs.write10(8, 8), data);
            h.dataOut(Cdbs.write6(16, 8), data);
            byte[] back = h.read(0, 24);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(data, Patterns.slice(back, i * 4096, (i + 1) * 4096));
            }
        }
    }

    @Test
    void aReadOnlyLunHasNothingToFlush() {
        try (Harness h = Harness.readOnlyRam(64)) {
            h.good(Cdbs.rw10(0x35, 0, 0, 0));
            h.good(Cdbs.rw16(0x91, 0, 0, 64));
        }
    }
}
