package org.vhostvertx.memory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.linux.Linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A region's segment is bound to its mapping: an access after the region is gone throws, and the
 * JVM goes on (a global-scope view would touch unmapped memory and kill the process).
 */
class MemoryRegionTest {

    static final long SIZE = 1 << 20;
    int fd;

    @BeforeEach
    void memfd() {
        fd = Linux.memfdCreate("memory-region-test", Linux.MFD_CLOEXEC);
        Linux.ftruncate(fd, 2 * SIZE);
    }

    @AfterEach
    void close() {
        Linux.close(fd);
    }

    @Test
    void anAccessAfterTheRegionIsRemovedThrowsAndTheJvmGoesOn() throws Exception {
        MemoryRegion region = MemoryRegion.map(0x100000, SIZE, 0x7000_0000L, SIZE, fd);
        MemorySegment kept = region.segment();
        kept.set(ValueLayout.JAVA_LONG, 8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, kept.get(ValueLayout.JAVA_LONG, 8));
        long address = kept.address();
        assertTrue(mapped(address), "the region is mapped while it lives");

        region.close();

        assertFalse(mapped(address), "close unmapped the region");
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 8), "late read");
        assertThrows(IllegalStateException.class, () -> kept.set(ValueLayout.JAVA_BYTE, 0, (byte) 1), "late write");
        assertThrows(IllegalStateException.class, () -> kept.asSlice(0, 64).fill((byte) 0), "late slice");
        assertThrows(IllegalStateException.class,
                () -> MemorySegment.copy(kept, 0, MemorySegment.ofArray(new byte[16]), 0, 16), "late copy");
        // Still here: the same memory, mapped anew, reads what was written before.
        try (MemoryRegion again = MemoryRegion.map(0x100000, SIZE, 0x7000_0000L, SIZE, fd)) {
            assertEquals(0x1122334455667788L, again.segment().get(ValueLayout.JAVA_LONG, 8));
        }
    }

    @Test
    void theSegmentStartsAtTheMappingOffsetAndCoversTheRegionOnly() {
        try (MemoryRegion region = MemoryRegion.map(0, SIZE, 0, SIZE, fd)) {
            assertEquals(SIZE, region.segment().byteSize());
            region.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
            try (MemoryRegion whole = MemoryRegion.map(0, 2 * SIZE, 0, 0, fd)) {
                assertEquals(7, whole.segment().get(ValueLayout.JAVA_BYTE, SIZE), "offset 0 of the region is byte SIZE of the fd");
            }
            assertThrows(IndexOutOfBoundsException.class, () -> region.segment().get(ValueLayout.JAVA_BYTE, SIZE));
        }
    }

    /** Whether address lies in one of this process's mappings. */
    static boolean mapped(long address) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16)) {
                return true;
            }
        }
        return false;
    }
}
