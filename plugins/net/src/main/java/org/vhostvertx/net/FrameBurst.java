package org.vhostvertx.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An application's frame buffers for {@link AppPort#dequeueBurst} and {@link AppPort#enqueueBurst}:
 * {@code capacity} buffers of {@code frameBytes} each, in one block of native memory allocated once,
 * so moving frames allocates nothing. A frame is the Ethernet frame from the destination MAC on,
 * without the virtio-net header and without the FCS. Not thread-safe: use it on the port's worker.
 */
public final class FrameBurst {

    /** The most frames one burst may hold (a burst is one bounded piece of a worker's round). */
    public static final int MAX_CAPACITY = 256;
    /** The shortest frame: an Ethernet header. */
    public static final int MIN_FRAME = 14;

    private final MemorySegment[] frames;
    private final int[] lengths;
    private final int frameBytes;

    /**
     * Buffers for up to capacity (1..256) frames of at most frameBytes (14..65535 + 18) each; a
     * guest's frame is its MTU plus 14 (18 with a VLAN tag).
     */
    public FrameBurst(int capacity, int frameBytes) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be 1.." + MAX_CAPACITY + ", was " + capacity);
        }
        if (frameBytes < MIN_FRAME || frameBytes > 65535 + 18) {
            throw new IllegalArgumentException("frameBytes must be " + MIN_FRAME + ".." + (65535 + 18) + ", was "
                    + frameBytes);
        }
        MemorySegment block = Arena.ofAuto().allocate((long) capacity * frameBytes, 8);
        this.frames = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            frames[i] = block.asSlice((long) i * frameBytes, frameBytes);
        }
        this.lengths = new int[capacity];
        this.frameBytes = frameBytes;
    }

    public int capacity() {
        return frames.length;
    }

    /** The size of each buffer: the longest frame it holds. */
    public int frameBytes() {
        return frameBytes;
    }

    /** Buffer i (frameBytes long); frame i is its first {@link #length(int)} bytes. */
    public MemorySegment frame(int i) {
        return frames[i];
    }

    /** The length of frame i. */
    public int length(int i) {
        return lengths[i];
    }

    /** Sets the length of frame i (14..frameBytes) before enqueueing it. */
    public void length(int i, int length) {
        if (length < MIN_FRAME || length > frameBytes) {
            throw new IllegalArgumentException("a frame is " + MIN_FRAME + ".." + frameBytes + " bytes, was " + length);
        }
        lengths[i] = length;
    }

    /** Sets the length without the check: the port's own fills, which are in range by construction. */
    void lengthUnchecked(int i, int length) {
        lengths[i] = length;
    }
}
