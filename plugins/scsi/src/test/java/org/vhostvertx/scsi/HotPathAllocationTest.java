package org.vhostvertx.scsi;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * READ and WRITE allocate nothing on the heap. The data buffer here pretends every transfer
 * succeeded without a system call, so only the interpreter's own path is measured, with the
 * JVM's per-thread allocation counter.
 */
class HotPathAllocationTest {

    /** A buffer whose file transfers all succeed at once and touch nothing. */
    private static final class NoIoBuffer implements DataBuffer {
        private final long length;

        NoIoBuffer(long length) {
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public void put(long offset, byte[] src, int srcOffset, int len) {
        }

        @Override
        public void get(long offset, byte[] dst, int dstOffset, int len) {
        }

        @Override
        public long fromFile(int fd, long fileOffset, long offset, long len) {
            return len;
        }

        @Override
        public long toFile(int fd, long fileOffset, long offset, long len) {
            return len;
        }
    }

    @Test
    void readAndWriteAllocateNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Harness h = Harness.ram(2048)) {
            DataBuffer buffer = new NoIoBuffer(64 * 512);
            byte[][] cdbs = {Cdbs.read10(8, 64), Cdbs.write10(8, 64), Cdbs.rw16(0x88, 0, 100, 64),
                    Cdbs.rw16(0x8a, 0, 100, 64), Cdbs.read6(5, 64), Cdbs.rw12(0xaa, 0, 7, 64)};
            runAll(h, cdbs, buffer, 20_000);                 // let the JIT settle
            long before = threads.getCurrentThreadAllocatedBytes();
            runAll(h, cdbs, buffer, 10_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // 60 000 commands: any per-command object would be megabytes; allow measuring noise.
            assertTrue(allocated < 4096, allocated + " bytes allocated by 60000 READ/WRITE commands");
        }
    }

    private static void runAll(Harness h, byte[][] cdbs, DataBuffer buffer, int rounds) {
        for (int i = 0; i < rounds; i++) {
            for (byte[] cdb : cdbs) {
                h.result.reset();
                h.commands.execute(h.lu, h.luns, cdb, cdb.length, buffer, buffer, h.result);
                if (h.result.status != CommandResult.GOOD) {
                    throw new AssertionError(Senses.describe(h.result));
                }
            }
        }
    }
}
