package org.vhostvertx.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.uring.IoUring;
import org.vhostvertx.virtq.TestChains;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The io_uring engine against real files: transfers straight from and into (test) guest memory,
 * the bound on requests in flight, transfers resubmitted for their rest, errors as -errno, the
 * eventfd that wakes a sleeping worker, O_DIRECT with unaligned guest buffers.
 */
class AsyncChainIoTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private final GuestRam ram = new GuestRam(0, 8 * MIB);
    private MemoryRegion region;
    private GuestMemory memory;
    /** Every completion, in the order the engine handed them over: {request index, result}. */
    private final List<long[]> finished = new ArrayList<>();
    private AsyncChainIo io;

    @BeforeEach
    void setUp() {
        GuestRam.Region r = ram.regions().getFirst();
        region = MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd());
        memory = GuestMemory.of(List.of(region));
    }

    @AfterEach
    void tearDown() {
        if (io != null) {
            io.close();
        }
        region.close();
        ram.close();
    }

    private AsyncChainIo engine(int depth) {
        io = new AsyncChainIo(depth, (r, result) -> finished.add(new long[]{r.index(), result}));
        return io;
    }

    private MemorySegment guest(long gpa, long len) {
        return ram.regions().getFirst().mapping().asSlice(gpa, len);
    }

    private static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    private int image(Path path, boolean direct) {
        return Linux.open(path.toString(), Linux.O_RDWR | Linux.O_CREAT | Linux.O_CLOEXEC | (direct ? Linux.O_DIRECT : 0),
                0600);
    }

    @Test
    void aWriteAndAReadMoveGuestBytesToTheFileAndBackAndDatasyncSucceeds() throws Exception {
        engine(8);
        Path file = dir.resolve("a.img");
        int fd = image(file, false);
        try {
            byte[] data = pattern(256 * 1024, 1);
            MemorySegment.copy(data, 0, guest(4096, data.length), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            IoRequest w = io.take();
            // A 16-byte header piece first, then the data in two descriptors: pos skips the header.
            TestChains.fill(w.chain(), memory, new long[][]{{0, 16}, {4096, 100 * 1024}, {4096 + 100 * 1024, 156 * 1024}},
                    new long[][]{{1 << 20, 1}});
            io.start(w, IoUring.OP_WRITEV, fd, 0, 8192, 16, data.length, 0);
            io.submit();
            io.drain();
            assertEquals(List.of(0L, (long) data.length), List.of(finished.getFirst()[0], finished.getFirst()[1]));
            byte[] onDisk = Files.readAllBytes(file);
            assertArrayEquals(data, java.util.Arrays.copyOfRange(onDisk, 8192, 8192 + data.length));

            IoRequest rd = io.take();
            TestChains.fill(rd.chain(), memory, new long[][]{}, new long[][]{{2 * MIB, data.length}, {3 * MIB, 1}});
            io.start(rd, IoUring.OP_READV, fd, 0, 8192, 0, data.length, 0);
            IoRequest sync = io.take();
            io.start(sync, IoUring.OP_FSYNC, fd, 0, 0, 0, 0, IoUring.FSYNC_DATASYNC);
            io.submit();
            io.drain();
            assertEquals(3, finished.size());
            for (long[] f : finished.subList(1, 3)) {
                assertEquals(f[0] == rd.index() ? data.length : 0, f[1], "request " + f[0]);
            }
            assertArrayEquals(data, guest(2 * MIB, data.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    void noMoreThanDepthRequestsAreInFlightAndCompletionsFreeTheirSlots() throws Exception {
        engine(4);
        assertEquals(4, io.depth());
        int fd = image(dir.resolve("b.img"), false);
        try {
            for (int i = 0; i < 4; i++) {
                IoRequest r = io.take();
                assertNotNull(r, "slot " + i);
                TestChains.fill(r.chain(), memory, new long[][]{{(long) i * 4096, 4096}}, new long[][]{});
                io.start(r, IoUring.OP_WRITEV, fd, 0, (long) i * 4096, 0, 4096, 0);
            }
            assertNull(io.take(), "a fifth request while four are in flight");
            assertFalse(io.hasRoom());
            assertEquals(4, io.inFlight());
            io.submit();
            io.drain();
            assertEquals(4, finished.size());
            assertTrue(io.hasRoom());
            assertEquals(0, io.inFlight());
            assertEquals(16384, Files.size(dir.resolve("b.img")));
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    @Timeout(10)
    void aRequestTakenButNeverStartedDoesNotHoldUpDrain() {
        engine(2);
        // A queue that breaks while popping leaves its request taken and unstarted: stopping it must not wait.
        assertNotNull(io.take());
        assertEquals(0, io.inFlight());
        io.drain();
        io.close();
        assertTrue(finished.isEmpty());
    }

    @Test
    void aChainOfMoreThanIovMaxPiecesIsSubmittedAgainForItsRest() throws Exception {
        engine(2);
        Path file = dir.resolve("c.img");
        int fd = image(file, false);
        try {
            int pieces = 1500;
            byte[] data = pattern(pieces * 512, 2);
            MemorySegment.copy(data, 0, guest(0, data.length), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            long[][] descs = new long[pieces][];
            for (int i = 0; i < pieces; i++) {
                descs[i] = new long[]{(long) i * 512, 512};
            }
            IoRequest w = io.take();
            TestChains.fill(w.chain(), memory, descs, new long[][]{});
            assertEquals(pieces, w.chain().pieces(), "one piece per descriptor");
            io.start(w, IoUring.OP_WRITEV, fd, 0, 0, 0, data.length, 0);
            io.submit();
            io.drain();
            assertEquals(data.length, finished.getFirst()[1]);
            assertArrayEquals(data, Files.readAllBytes(file));
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    void aReadPastTheEndOfTheFileFinishesShortWithWhatWasThere() throws Exception {
        engine(2);
        Path file = dir.resolve("d.img");
        byte[] data = pattern(6000, 3);
        Files.write(file, data);
        int fd = image(file, false);
        try {
            IoRequest r = io.take();
            TestChains.fill(r.chain(), memory, new long[][]{}, new long[][]{{0, 4096}, {8192, 4096}});
            io.start(r, IoUring.OP_READV, fd, 0, 1000, 0, 8192, 0);
            io.submit();
            io.drain();
            assertEquals(5000, finished.getFirst()[1], "the 5000 bytes after offset 1000");
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 5096),
                    guest(0, 4096).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 5096, 6000),
                    guest(8192, 904).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    void failuresFinishWithMinusErrno() throws Exception {
        engine(4);
        int closed = image(dir.resolve("e.img"), false);
        Linux.close(closed);
        int readOnly = Linux.open(dir.resolve("e.img").toString(), Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        int direct = image(dir.resolve("f.img"), true);
        try {
            IoRequest bad = io.take();
            TestChains.fill(bad.chain(), memory, new long[][]{{0, 4096}}, new long[][]{});
            io.start(bad, IoUring.OP_WRITEV, closed, 0, 0, 0, 4096, 0);
            IoRequest ro = io.take();
            TestChains.fill(ro.chain(), memory, new long[][]{{0, 4096}}, new long[][]{});
            io.start(ro, IoUring.OP_WRITEV, readOnly, 0, 0, 0, 4096, 0);
            IoRequest misaligned = io.take();
            // O_DIRECT at an offset no bounce can fix.
            TestChains.fill(misaligned.chain(), memory, new long[][]{{0, 4096}}, new long[][]{});
            io.start(misaligned, IoUring.OP_WRITEV, direct, 512, 100, 0, 4096, 0);
            io.submit();
            io.drain();
            assertEquals(3, finished.size());
            for (long[] f : finished) {
                long expected = f[0] == misaligned.index() ? -Linux.EINVAL : -Linux.EBADF;
                assertEquals(expected, f[1], "request " + f[0]);
            }
        } finally {
            Linux.close(readOnly);
            Linux.close(direct);
        }
    }

    @Test
    void theEventFdIsSignalledWhenACompletionIsPosted() throws Exception {
        engine(2);
        int fd = image(dir.resolve("g.img"), false);
        int ep = Linux.epollCreate();
        try (Arena a = Arena.ofConfined()) {
            Linux.epollAdd(ep, io.eventFd(), Linux.EPOLLIN, 7);
            MemorySegment events = a.allocate(Linux.EPOLL_EVENT_SIZE * 4L, 8);
            assertEquals(0, Linux.epollWait(ep, events, 4, 0), "no completion, no wake-up");
            IoRequest r = io.take();
            TestChains.fill(r.chain(), memory, new long[][]{{0, 65536}}, new long[][]{});
            io.start(r, IoUring.OP_WRITEV, fd, 0, 0, 0, 65536, 0);
            io.submit();
            assertEquals(1, Linux.epollWait(ep, events, 4, 10_000), "the completion wakes a sleeping worker");
            assertTrue(io.complete(), "and is there to take");
            assertEquals(65536, finished.getFirst()[1]);
            io.clearWakeups();
            assertEquals(0, Linux.epollWait(ep, events, 4, 0), "cleared until the next completion");
        } finally {
            Linux.close(ep);
            Linux.close(fd);
        }
    }

    @Test
    void directTransfersOfUnalignedGuestBuffersGoThroughTheBounceBuffer() throws Exception {
        engine(2);
        Path file = dir.resolve("h.img");
        int fd = image(file, true);
        try {
            // 300 KiB (more than one bounce) from a buffer at an odd address, in pieces of odd lengths.
            int len = 300 * 1024;
            byte[] data = pattern(len, 4);
            MemorySegment.copy(data, 0, guest(1001, len), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, len);
            IoRequest w = io.take();
            TestChains.fill(w.chain(), memory, new long[][]{{1001, 777}, {1001 + 777, len - 777}}, new long[][]{});
            io.start(w, IoUring.OP_WRITEV, fd, 512, 4096, 0, len, 0);
            io.submit();
            io.drain();
            assertEquals(len, finished.getFirst()[1]);
            assertArrayEquals(data, java.util.Arrays.copyOfRange(Files.readAllBytes(file), 4096, 4096 + len));
            IoRequest rd = io.take();
            TestChains.fill(rd.chain(), memory, new long[][]{}, new long[][]{{4 * MIB + 3, len}});
            io.start(rd, IoUring.OP_READV, fd, 512, 4096, 0, len, 0);
            io.submit();
            io.drain();
            assertEquals(len, finished.get(1)[1]);
            assertArrayEquals(data, guest(4 * MIB + 3, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } finally {
            Linux.close(fd);
        }
    }

    @Test
    void anImageInRamIsReadAndWrittenInsideTheCallAndOneOnADiskIsNot() throws Exception {
        engine(4);
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "async-chain-io");
        // /var/tmp: on the root file system (a /tmp may be a tmpfs).
        Path disk = Files.createTempDirectory(Path.of("/var/tmp"), "async-chain-io");
        try (ImageStore inRam = ImageStore.file(shm.resolve("ram.img"), 1 << 20, false, false, false);
             ImageStore onDisk = ImageStore.file(disk.resolve("disk.img"), 1 << 20, false, false, false)) {
            assertTrue(inRam.inMemory(), "an image on tmpfs is in RAM");
            assertFalse(onDisk.inMemory(), "an image on " + disk + " is not");
            byte[] data = pattern(64 * 1024, 7);
            MemorySegment.copy(data, 0, guest(4096, data.length), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            IoRequest w = io.take();
            TestChains.fill(w.chain(), memory, new long[][]{{4096, data.length}}, new long[][]{});
            io.write(w, inRam, 512, 0, data.length, true);
            assertEquals(1, finished.size(), "the write finished inside the call");
            assertEquals(data.length, finished.getFirst()[1]);
            assertEquals(0, io.inFlight());
            IoRequest rd = io.take();
            TestChains.fill(rd.chain(), memory, new long[][]{}, new long[][]{{2 * MIB, data.length}});
            io.read(rd, inRam, 512, 0, data.length);
            assertEquals(2, finished.size(), "the read finished inside the call");
            assertArrayEquals(data, guest(2 * MIB, data.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            IoRequest sync = io.take();
            io.datasync(sync, inRam);
            assertEquals(List.of(sync.index(), 0L), List.of((int) finished.get(2)[0], finished.get(2)[1]));
            // All four requests are free again.
            List<IoRequest> all = new ArrayList<>();
            for (IoRequest r; (r = io.take()) != null; ) {
                all.add(r);
            }
            assertEquals(4, all.size());
            all.forEach(io::giveBack);

            IoRequest d = io.take();
            TestChains.fill(d.chain(), memory, new long[][]{{4096, data.length}}, new long[][]{});
            io.write(d, onDisk, 0, 0, data.length, false);
            assertEquals(3, finished.size(), "a write to a disk image waits for its completion");
            assertEquals(1, io.inFlight());
            io.submit();
            io.drain();
            assertEquals(data.length, finished.get(3)[1]);
        } finally {
            for (Path d : List.of(shm, disk)) {
                try (var files = Files.list(d)) {
                    files.forEach(f -> f.toFile().delete());
                }
                Files.deleteIfExists(d);
            }
        }
    }
}
