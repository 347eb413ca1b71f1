package org.vhostvertx.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.TestChains;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads of an image in RAM from its mapping: only where it holds data, so reading a hole never
 * allocates RAM for it; a write that fills a hole, or a punched hole, is seen; an image cut short
 * behind our back is read with preadv instead of killing the process; a device node on /dev (a
 * tmpfs too) is not taken for RAM.
 */
class ImageMappingTest {

    private static final long MIB = 1 << 20;
    private static final int CHUNK = 1 << ImageMapping.CHUNK_SHIFT;

    private final GuestRam ram = new GuestRam(0, 8 * MIB);
    private MemoryRegion region;
    private GuestMemory memory;
    private Path dir;
    private final ChainFileIo io = new ChainFileIo();

    @BeforeEach
    void setUp() throws Exception {
        GuestRam.Region r = ram.regions().getFirst();
        region = MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd());
        memory = GuestMemory.of(List.of(region));
        dir = Files.createTempDirectory(Path.of("/dev/shm"), "image-mapping");
    }

    @AfterEach
    void tearDown() throws Exception {
        region.close();
        ram.close();
        try (var files = Files.list(dir)) {
            files.forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(dir);
    }

    private MemorySegment guest(long gpa, long len) {
        return ram.regions().getFirst().mapping().asSlice(gpa, len);
    }

    private DescriptorChain readInto(long gpa, long len) {
        DescriptorChain chain = new DescriptorChain();
        TestChains.fill(chain, memory, new long[][]{}, new long[][]{{gpa, len}});
        return chain;
    }

    private DescriptorChain writeFrom(long gpa, byte[] data) {
        MemorySegment.copy(data, 0, guest(gpa, data.length), ValueLayout.JAVA_BYTE, 0, data.length);
        DescriptorChain chain = new DescriptorChain();
        TestChains.fill(chain, memory, new long[][]{{gpa, data.length}}, new long[][]{});
        return chain;
    }

    private static byte[] pattern(int len, long seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Bytes of RAM the image holds (st_blocks; Java's file attributes do not give it). */
    private static long allocated(Path image) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b", image.toString()).start();
        String blocks = new String(stat.getInputStream().readAllBytes()).trim();
        assertEquals(0, stat.waitFor(), "stat " + image);
        return Long.parseLong(blocks) * 512;
    }

    @Test
    void holesAreReadWithPreadvAndNeverAllocatedDataFromTheMapping() throws Exception {
        Path image = dir.resolve("sparse.img");
        try (ImageStore store = ImageStore.file(image, 4L * CHUNK, false, false, false)) {
            assertTrue(store.inMemory());
            // A sparse image: every chunk is a hole.
            assertNull(store.mappedForRead(0, 4096), "a hole is not read from the mapping");
            guest(0, 2 * MIB).fill((byte) 0x5a);
            assertEquals(2 * MIB, io.read(readInto(0, 2 * MIB), store, CHUNK, 0, 2 * MIB));
            assertTrue(guest(0, 2 * MIB).elements(ValueLayout.JAVA_BYTE).allMatch(b -> b.get(ValueLayout.JAVA_BYTE, 0) == 0),
                    "a hole reads as zeros");
            assertEquals(0, allocated(image), "reading a hole allocated nothing");

            // Chunk 1 filled by writes: from then on it is read from the mapping.
            byte[] data = pattern(CHUNK, 1);
            assertEquals(CHUNK, io.write(writeFrom(2 * MIB, data), store, CHUNK, 0, CHUNK));
            assertNotNull(store.mappedForRead(CHUNK, CHUNK), "a chunk written whole is read from the mapping");
            assertNull(store.mappedForRead(CHUNK - 512, 1024), "a range reaching into a hole is not");
            guest(6 * MIB, CHUNK).fill((byte) 0);
            assertEquals(CHUNK, io.read(readInto(6 * MIB, CHUNK), store, CHUNK, 0, CHUNK));
            assertArrayEquals(data, guest(6 * MIB, CHUNK).toArray(ValueLayout.JAVA_BYTE));

            // A hole punched into it: preadv again, and the hole reads as zeros.
            assertEquals(0, store.tryFallocate(Linux.FALLOC_FL_PUNCH_HOLE | Linux.FALLOC_FL_KEEP_SIZE,
                    CHUNK + 4096, 4096));
            assertNull(store.mappedForRead(CHUNK, CHUNK), "a chunk with a punched hole is not read from the mapping");
            long before = allocated(image);
            assertEquals(CHUNK, io.read(readInto(6 * MIB, CHUNK), store, CHUNK, 0, CHUNK));
            byte[] expected = data.clone();
            Arrays.fill(expected, 4096, 8192, (byte) 0);
            assertArrayEquals(expected, guest(6 * MIB, CHUNK).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(before, allocated(image), "reading the punched hole allocated nothing");
        }
    }

    @Test
    void aFullImageIsReadFromTheMappingAndSeesLaterWrites() throws Exception {
        Path image = dir.resolve("full.img");
        byte[] content = pattern(2 * CHUNK, 2);
        Files.write(image, content);
        try (ImageStore store = ImageStore.file(image, 0, false, false, false)) {
            assertNotNull(store.mappedForRead(0, 2L * CHUNK));
            assertEquals(128 * 1024, io.read(readInto(0, 128 * 1024), store, 4096, 0, 128 * 1024));
            assertArrayEquals(Arrays.copyOfRange(content, 4096, 4096 + 128 * 1024),
                    guest(0, 128 * 1024).toArray(ValueLayout.JAVA_BYTE));
            byte[] update = pattern(8192, 3);
            assertEquals(8192, io.write(writeFrom(4 * MIB, update), store, 8192, 0, 8192));
            assertEquals(8192, io.read(readInto(MIB, 8192), store, 8192, 0, 8192));
            assertArrayEquals(update, guest(MIB, 8192).toArray(ValueLayout.JAVA_BYTE), "a read sees the write before it");
        }
    }

    @Test
    void anImageCutShortBehindOurBackIsReadWithPreadvNotASigbus() throws Exception {
        Path image = dir.resolve("cut.img");
        Files.write(image, pattern(2 * CHUNK, 4));
        try (ImageStore store = ImageStore.file(image, 0, false, false, false)) {
            assertNotNull(store.mappedForRead(CHUNK, CHUNK), "known to hold data");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(CHUNK);
            }
            // The mapping still says data; the copy faults past the end, and preadv reads nothing there.
            assertEquals(0, io.read(readInto(0, 4096), store, CHUNK, 0, 4096));
        }
    }

    @Test
    void aDeviceNodeOnDevIsNotInMemory() throws Exception {
        int file = Linux.open(dir.resolve("f").toString(), Linux.O_RDWR | Linux.O_CREAT | Linux.O_CLOEXEC, 0600);
        int node = Linux.open("/dev/null", Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        try {
            assertTrue(Linux.isRegularFile(file));
            assertFalse(Linux.isRegularFile(node));
        } finally {
            Linux.close(file);
            Linux.close(node);
        }
    }
}
