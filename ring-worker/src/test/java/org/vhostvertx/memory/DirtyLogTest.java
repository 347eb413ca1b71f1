package org.vhostvertx.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyLogTest {

    @Test
    void aWriteMarksEveryPageItTouchesAsBitNOfByteNOver8() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bitmap = arena.allocate(64, 8);
            DirtyLog log = DirtyLog.over(bitmap);
            // 3 bytes across the boundary of pages 62 and 63, then one byte in page 64 (next word).
            log.mark(63L * 4096 - 2, 3);
            log.mark(64L * 4096 + 100, 1);
            log.mark(9L * 4096, 0);
            for (long p = 0; p < log.pages(); p++) {
                assertEquals(p == 62 || p == 63 || p == 64, log.marked(p), "page " + p);
            }
            assertEquals((byte) 0xc0, bitmap.get(ValueLayout.JAVA_BYTE, 7), "pages 62, 63: bits 6, 7 of byte 7");
            assertEquals(1, bitmap.get(ValueLayout.JAVA_BYTE, 8), "page 64: bit 0 of byte 8");
        }
    }

    @Test
    void writesBeyondTheLogAreCountedNotMarked() {
        try (Arena arena = Arena.ofConfined()) {
            DirtyLog log = DirtyLog.over(arena.allocate(8, 8));
            log.mark(63L * 4096, 2 * 4096);
            assertTrue(log.marked(63));
            assertFalse(log.marked(64));
            assertEquals(1, log.beyondTheLog());
        }
    }
}
