package org.vhostvertx.virtq;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.MemoryRegion;
import org.vhostvertx.test.frontend.GuestRam;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * copyTo, guest buffer to guest buffer: a short copy inside one piece on each side takes a word
 * loop, the others walk the pieces. Either way exactly the asked bytes land, and nothing around them.
 */
class DescriptorChainCopyTest {

    private static final int AREA = 4096;

    private GuestRam ram;
    private MemoryRegion region;
    private GuestMemory memory;
    private long src;
    private long dst;

    @BeforeEach
    void map() {
        ram = new GuestRam(0, 1 << 20);
        GuestRam.Region r = ram.regions().getFirst();
        region = MemoryRegion.map(r.gpa(), r.size(), r.uva(), 0, r.fd());
        memory = GuestMemory.of(List.of(region));
        src = ram.alloc(AREA, 64);
        dst = ram.alloc(AREA, 64);
        byte[] pattern = new byte[AREA];
        new Random(7).nextBytes(pattern);
        ram.write(src, pattern);
    }

    @AfterEach
    void unmap() {
        region.close();
        ram.close();
    }

    @Test
    void shortCopiesWithinOnePieceMoveExactlyTheirBytes() {
        // Every length up to past the word loop's limit, at offsets that are not word aligned.
        for (int n = 0; n <= 300; n++) {
            copyAndCheck(new int[]{1000}, new int[]{1000}, 3, 5, n);
        }
    }

    @Test
    void copiesAcrossPiecesMoveExactlyTheirBytes() {
        int[][] shapes = {{12, 64, 900}, {1, 1, 1, 2000}, {100}, {7, 993}};
        for (int[] s : shapes) {
            for (int[] d : shapes) {
                for (int n : new int[]{0, 1, 8, 13, 52, 64, 88}) {
                    copyAndCheck(s, d, 0, 0, n);
                    copyAndCheck(s, d, 11, 6, n);
                }
            }
        }
    }

    @Test
    void aCopyBeyondEitherPartIsRefused() {
        DescriptorChain s = readable(new int[]{64});
        DescriptorChain d = writable(new int[]{64});
        assertThrows(IndexOutOfBoundsException.class, () -> s.copyTo(d, 10, 0, 55));
        assertThrows(IndexOutOfBoundsException.class, () -> s.copyTo(d, 0, 10, 55));
        assertThrows(IndexOutOfBoundsException.class, () -> s.copyTo(d, -1, 0, 1));
    }

    /** Copies n bytes from srcPos of a chain of srcPieces to dstPos of one of dstPieces, and checks dst's area whole. */
    private void copyAndCheck(int[] srcPieces, int[] dstPieces, int srcPos, int dstPos, int n) {
        ram.write(dst, new byte[AREA]);
        DescriptorChain s = readable(srcPieces);
        DescriptorChain d = writable(dstPieces);
        s.copyTo(d, srcPos, dstPos, n);
        byte[] expected = new byte[AREA];
        // The pieces lie back to back with a 16-byte gap between them (see chain()).
        byte[] from = new byte[n];
        for (int i = 0; i < n; i++) {
            from[i] = ram.read(src + streamToArea(srcPieces, srcPos + i), 1)[0];
        }
        for (int i = 0; i < n; i++) {
            expected[(int) streamToArea(dstPieces, dstPos + i)] = from[i];
        }
        assertArrayEquals(expected, ram.read(dst, AREA), () -> "copy of " + n + " bytes from " + srcPos + " of "
                + Arrays.toString(srcPieces) + " to " + dstPos + " of " + Arrays.toString(dstPieces));
    }

    private DescriptorChain readable(int[] pieces) {
        DescriptorChain c = new DescriptorChain(2);
        TestChains.fill(c, memory, descriptors(src, pieces), new long[][]{});
        return c;
    }

    private DescriptorChain writable(int[] pieces) {
        DescriptorChain c = new DescriptorChain(2);
        TestChains.fill(c, memory, new long[][]{}, descriptors(dst, pieces));
        return c;
    }

    /** Descriptors of the given lengths in the area at base, each 16 bytes after the previous one ends. */
    private static long[][] descriptors(long base, int[] pieces) {
        long[][] d = new long[pieces.length][];
        long at = base;
        for (int i = 0; i < pieces.length; i++) {
            d[i] = new long[]{at, pieces[i]};
            at += pieces[i] + 16;
        }
        return d;
    }

    /** Where byte pos of a chain made by descriptors() lies in its area. */
    private static long streamToArea(int[] pieces, long pos) {
        long at = 0;
        long skip = pos;
        for (int len : pieces) {
            if (skip < len) {
                return at + skip;
            }
            skip -= len;
            at += len + 16;
        }
        throw new IllegalArgumentException("byte " + pos + " beyond the chain");
    }
}
