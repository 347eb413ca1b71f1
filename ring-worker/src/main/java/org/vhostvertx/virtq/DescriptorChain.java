package org.vhostvertx.virtq;

import org.vhostvertx.memory.GuestMemory;
import org.vhostvertx.memory.GuestMemoryException;
import org.vhostvertx.memory.MemoryRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One buffer the driver made available: its device-readable part followed by its device-writable
 * part, already translated to guest memory and bounds-checked.
 *
 * <p>A descriptor whose buffer crosses from one memory region into the next is kept as two pieces.
 * Objects of this class are reused (a queue fills one the caller owns), so the data path allocates
 * nothing per request.
 */
public final class DescriptorChain {

    private int id;
    private int ringSlots;
    private int count;
    private int readablePieces;
    private long readableLength;
    private long writableLength;
    /** The region of the last buffer (of lastMemory): the next one is most likely there too. */
    private MemoryRegion lastRegion;
    private GuestMemory lastMemory;
    private MemorySegment[] segments;
    private long[] offsets;
    private int[] lengths;
    /** The guest-physical address of each piece (-1 for our own memory): what a dirty log marks. */
    private long[] gpas;

    public DescriptorChain() {
        this(16);
    }

    public DescriptorChain(int initialPieces) {
        segments = new MemorySegment[initialPieces];
        offsets = new long[initialPieces];
        lengths = new int[initialPieces];
        gpas = new long[initialPieces];
    }

    /** The buffer id the used ring reports back to the driver. */
    public int id() {
        return id;
    }

    /** How many descriptor slots of the ring the chain occupied (a packed ring needs it). */
    int ringSlots() {
        return ringSlots;
    }

    /** How many pieces (iovecs) the chain has, readable and writable together. */
    public int pieces() {
        return count;
    }

    public long readableLength() {
        return readableLength;
    }

    public long writableLength() {
        return writableLength;
    }

    void reset(int id) {
        this.id = id;
        this.ringSlots = 0;
        this.count = 0;
        this.readablePieces = 0;
        this.readableLength = 0;
        this.writableLength = 0;
    }

    /**
     * Makes this chain a readable view of length bytes of our own memory, so code written for a
     * driver's buffer can read a frame we hold (e.g. one handed over from another worker). Such a
     * chain is never pushed to a ring.
     */
    public void wrap(MemorySegment memory, long length) {
        if (length < 0 || length > memory.byteSize() || length > Integer.MAX_VALUE) {
            throw new IndexOutOfBoundsException("view of " + length + " bytes of a segment of " + memory.byteSize());
        }
        reset(-1);
        lastMemory = null;
        lastRegion = null;
        append(memory, 0, (int) length, -1);
        readableLength = length;
        readablePieces = count;
    }

    void setRingSlots(int slots) {
        this.ringSlots = slots;
    }

    void setId(int id) {
        this.id = id;
    }

    /** Appends the buffer at gpa, splitting it where it crosses regions (and every 2 GiB). */
    void add(GuestMemory memory, long gpa, int len, boolean writable) {
        // The usual buffer lies inside the region the last one was in: one piece, no lookup.
        MemoryRegion last = lastRegion;
        if (memory == lastMemory && last != null && len > 0 && (writable || writableLength == 0)) {
            long off = gpa - last.guestPhysAddr();
            if (off >= 0 && off < last.size() && len <= last.size() - off) {
                append(last.segment(), off, len, gpa);
                if (writable) {
                    writableLength += len;
                } else {
                    readableLength += len;
                    readablePieces = count;
                }
                return;
            }
        }
        addPieces(memory, gpa, len, writable);
    }

    /** {@link #add} for a buffer anywhere: looks its region up, and splits it where it crosses regions. */
    private void addPieces(GuestMemory memory, long gpa, int len, boolean writable) {
        if (!writable && writableLength > 0) {
            throw new VirtqueueException("device-readable descriptor after a device-writable one");
        }
        long remaining = Integer.toUnsignedLong(len);
        long addr = gpa;
        if (memory != lastMemory) {
            lastMemory = memory;
            lastRegion = null;
        }
        while (remaining > 0) {
            MemoryRegion r = lastRegion;
            if (r == null || addr < r.guestPhysAddr() || addr - r.guestPhysAddr() >= r.size()) {
                r = memory.regionOfGpa(addr);
                lastRegion = r;
            }
            if (r == null) {
                throw new GuestMemoryException(String.format(
                        "descriptor buffer at gpa 0x%x length %d is outside guest memory", gpa,
                        Integer.toUnsignedLong(len)));
            }
            long off = addr - r.guestPhysAddr();
            // A piece's length is an int: a buffer of 2 GiB or more (a u32 length, in a region that
            // large) is kept as several pieces.
            long piece = Math.min(Math.min(remaining, r.size() - off), Integer.MAX_VALUE);
            append(r.segment(), off, (int) piece, addr);
            addr += piece;
            remaining -= piece;
        }
        if (writable) {
            writableLength += Integer.toUnsignedLong(len);
        } else {
            readableLength += Integer.toUnsignedLong(len);
            readablePieces = count;
        }
    }

    private void append(MemorySegment seg, long off, int len, long gpa) {
        if (count == segments.length) {
            int n = count * 2;
            segments = java.util.Arrays.copyOf(segments, n);
            offsets = java.util.Arrays.copyOf(offsets, n);
            lengths = java.util.Arrays.copyOf(lengths, n);
            gpas = java.util.Arrays.copyOf(gpas, n);
        }
        // A chain is reused, and its pieces are mostly in the region they were in last time: the
        // store into an array of an interface type needs a type check the load does not (it
        // measured a third of a packed pop), and a store dirties a card for the collector too.
        if (segments[count] != seg) {
            segments[count] = seg;
        }
        offsets[count] = off;
        lengths[count] = len;
        gpas[count] = gpa;
        count++;
    }

    /** Marks in log the pages of the first written bytes of the writable part (what the used entry reports). */
    void markWritten(org.vhostvertx.memory.DirtyLog log, long written) {
        long left = Math.min(written, writableLength);
        for (int i = readablePieces; i < count && left > 0; i++) {
            long n = Math.min(lengths[i], left);
            if (gpas[i] >= 0) {
                log.mark(gpas[i], n);
            }
            left -= n;
        }
    }

    /**
     * The 8 bytes at pos of the readable part, in native (little-endian) order. A header or a
     * MAC read this way costs one load when the first buffer holds it, instead of a copy.
     */
    public long readLong(long pos) {
        if (readablePieces > 0 && pos >= 0 && pos + 8 <= lengths[0]) {
            return segments[0].get(ValueLayout.JAVA_LONG_UNALIGNED, offsets[0] + pos);
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (readByte(pos + i) & 0xff);
        }
        return v;
    }

    private byte readByte(long pos) {
        if (pos < 0 || pos >= readableLength) {
            throw new IndexOutOfBoundsException("byte " + pos + " of a readable part of " + readableLength);
        }
        long skip = pos;
        for (int i = 0; i < readablePieces; i++) {
            if (skip < lengths[i]) {
                return segments[i].get(ValueLayout.JAVA_BYTE, offsets[i] + skip);
            }
            skip -= lengths[i];
        }
        throw new IndexOutOfBoundsException("byte " + pos);
    }

    /** Writes v (native order) at pos of the writable part; one store when the first writable buffer holds it. */
    public void writeLong(long pos, long v) {
        if (readablePieces < count && pos >= 0 && pos + 8 <= lengths[readablePieces]) {
            segments[readablePieces].set(ValueLayout.JAVA_LONG_UNALIGNED, offsets[readablePieces] + pos, v);
            return;
        }
        for (int i = 0; i < 8; i++) {
            writeByte(pos + i, (byte) (v >>> (8 * i)));
        }
    }

    /** Copies n bytes from the readable part, starting at pos, into dst at dstOff. */
    public void read(long pos, MemorySegment dst, long dstOff, long n) {
        copy(0, readablePieces, pos, dst, dstOff, n, false, readableLength);
    }

    /** Copies n bytes from src at srcOff into the writable part, starting at pos. */
    public void write(long pos, MemorySegment src, long srcOff, long n) {
        copy(readablePieces, count, pos, src, srcOff, n, true, writableLength);
    }

    /** Fills n bytes of the writable part, starting at pos, with zeros. */
    public void zero(long pos, long n) {
        long skip = pos;
        long left = n;
        for (int i = readablePieces; i < count && left > 0; i++) {
            long len = lengths[i];
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long chunk = Math.min(len - skip, left);
            segments[i].asSlice(offsets[i] + skip, chunk).fill((byte) 0);
            left -= chunk;
            skip = 0;
        }
    }

    /** The byte at pos of the writable part is set to v. */
    public void writeByte(long pos, byte v) {
        long skip = pos;
        for (int i = readablePieces; i < count; i++) {
            if (skip < lengths[i]) {
                segments[i].set(ValueLayout.JAVA_BYTE, offsets[i] + skip, v);
                return;
            }
            skip -= lengths[i];
        }
        throw new IndexOutOfBoundsException("writable part has " + writableLength + " bytes, wanted " + pos);
    }

    private void copy(int from, int to, long pos, MemorySegment other, long otherOff, long n, boolean toGuest,
                      long partLength) {
        if (pos < 0 || n < 0 || pos + n > partLength) {
            throw new IndexOutOfBoundsException("range " + pos + "+" + n + " outside a part of " + partLength);
        }
        long skip = pos;
        long left = n;
        long o = otherOff;
        for (int i = from; i < to && left > 0; i++) {
            long len = lengths[i];
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long chunk = Math.min(len - skip, left);
            if (toGuest) {
                MemorySegment.copy(other, o, segments[i], offsets[i] + skip, chunk);
            } else {
                MemorySegment.copy(segments[i], offsets[i] + skip, other, o, chunk);
            }
            o += chunk;
            left -= chunk;
            skip = 0;
        }
    }

    /**
     * Copies n bytes from this chain's readable part at srcPos into dst's writable part at dstPos,
     * guest memory to guest memory with no buffer in between (the two chains may belong to two
     * guests).
     */
    public void copyTo(DescriptorChain dst, long srcPos, long dstPos, long n) {
        if (srcPos < 0 || n < 0 || srcPos + n > readableLength || dstPos < 0 || dstPos + n > dst.writableLength) {
            throw new IndexOutOfBoundsException("copy of " + n + " bytes from " + srcPos + " of " + readableLength
                    + " to " + dstPos + " of " + dst.writableLength);
        }
        // Inside one piece on each side (a frame in one buffer each way): one copy, without
        // looking for the pieces. Below 16 bytes one or two word moves (they may overlap) cost less
        // than MemorySegment.copy's checks and its call into the copy routine.
        if (readablePieces > 0 && srcPos + n <= lengths[0] && dst.readablePieces < dst.count
                && dstPos + n <= dst.lengths[dst.readablePieces]) {
            MemorySegment s = segments[0];
            MemorySegment d = dst.segments[dst.readablePieces];
            long so = offsets[0] + srcPos;
            long doff = dst.offsets[dst.readablePieces] + dstPos;
            if (n >= 16) {
                MemorySegment.copy(s, so, d, doff, n);
            } else if (n >= 8) {
                long first = s.get(ValueLayout.JAVA_LONG_UNALIGNED, so);
                long last = s.get(ValueLayout.JAVA_LONG_UNALIGNED, so + n - 8);
                d.set(ValueLayout.JAVA_LONG_UNALIGNED, doff, first);
                d.set(ValueLayout.JAVA_LONG_UNALIGNED, doff + n - 8, last);
            } else {
                for (long i = 0; i < n; i++) {
                    d.set(ValueLayout.JAVA_BYTE, doff + i, s.get(ValueLayout.JAVA_BYTE, so + i));
                }
            }
            return;
        }
        int si = 0;
        long sSkip = srcPos;
        while (si < readablePieces && sSkip >= lengths[si]) {
            sSkip -= lengths[si++];
        }
        int di = dst.readablePieces;
        long dSkip = dstPos;
        while (di < dst.count && dSkip >= dst.lengths[di]) {
            dSkip -= dst.lengths[di++];
        }
        long left = n;
        while (left > 0) {
            long chunk = Math.min(left, Math.min(lengths[si] - sSkip, dst.lengths[di] - dSkip));
            MemorySegment.copy(segments[si], offsets[si] + sSkip, dst.segments[di], dst.offsets[di] + dSkip, chunk);
            left -= chunk;
            sSkip += chunk;
            dSkip += chunk;
            if (sSkip == lengths[si]) {
                si++;
                sSkip = 0;
            }
            if (dSkip == dst.lengths[di]) {
                di++;
                dSkip = 0;
            }
        }
    }

    /**
     * The 16-bit ones' complement sum (RFC 1071, not yet folded or inverted) of len bytes of the
     * readable part from pos, big-endian words as on the wire; pos counts from the start of the
     * readable part, and the first byte summed is the high byte of a word.
     */
    public long onesComplementSum(long pos, long len) {
        if (pos < 0 || len < 0 || pos + len > readableLength) {
            throw new IndexOutOfBoundsException("sum of " + len + " bytes at " + pos + " of " + readableLength);
        }
        long sum = 0;
        boolean high = true;
        long skip = pos;
        long left = len;
        for (int i = 0; i < readablePieces && left > 0; i++) {
            long l = lengths[i];
            if (skip >= l) {
                skip -= l;
                continue;
            }
            MemorySegment seg = segments[i];
            long at = offsets[i] + skip;
            long n = Math.min(l - skip, left);
            for (long k = 0; k < n; k++) {
                int b = seg.get(ValueLayout.JAVA_BYTE, at + k) & 0xff;
                sum += high ? b << 8 : b;
                high = !high;
            }
            left -= n;
            skip = 0;
        }
        return sum;
    }

    /**
     * Writes struct iovec entries for n bytes of the readable (writable=false) or writable part,
     * starting at pos, into iov (room for maxIov entries). Returns the number of entries; when
     * maxIov entries do not cover n bytes, the caller goes on from where their lengths end.
     */
    public int iovecs(boolean writable, long pos, long n, MemorySegment iov, int maxIov) {
        int from = writable ? readablePieces : 0;
        int to = writable ? count : readablePieces;
        long skip = pos;
        long left = n;
        int k = 0;
        for (int i = from; i < to && left > 0; i++) {
            long len = lengths[i];
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long chunk = Math.min(len - skip, left);
            if (k == maxIov) {
                return k;
            }
            iov.set(ValueLayout.JAVA_LONG, 16L * k, segments[i].address() + offsets[i] + skip);
            iov.set(ValueLayout.JAVA_LONG, 16L * k + 8, chunk);
            k++;
            left -= chunk;
            skip = 0;
        }
        return k;
    }
}
