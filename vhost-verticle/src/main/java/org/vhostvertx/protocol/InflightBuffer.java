package org.vhostvertx.protocol;

import org.vhostvertx.linux.Linux;
import org.vhostvertx.virtq.InflightRegion;
import org.vhostvertx.virtq.Virtqueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The INFLIGHT_SHMFD buffer: one region per queue, in a memfd the front end keeps for us across
 * our restarts (GET_INFLIGHT_FD creates it, SET_INFLIGHT_FD hands it back). Each queue gets an
 * equal share of the buffer in 64-byte units. A buffer we make gives each one room for either ring
 * layout, since a front end may ask for it before it sets the features; one an older build made
 * (split regions only) still serves split rings.
 */
final class InflightBuffer implements AutoCloseable {

    private final int fd;
    private final long size;
    private final int queues;
    private final int queueSize;
    private final long share;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment mapping;

    private InflightBuffer(int fd, long size, long offset, int queues, int queueSize) {
        this.fd = fd;
        this.size = size;
        this.queues = queues;
        this.queueSize = queueSize;
        this.share = share(size, queues);
        long total = offset + size;
        long address = Linux.mmap(total, Linux.PROT_READ | Linux.PROT_WRITE, Linux.MAP_SHARED, fd, 0).address();
        this.mapping = MemorySegment.ofAddress(address).reinterpret(total, arena, s -> Linux.munmap(address, total))
                .asSlice(offset, size);
    }

    /** A new zeroed buffer for queues rings of queueSize entries. */
    static InflightBuffer create(int queues, int queueSize) {
        long size = queues * Virtqueue.inflightBytes(queueSize);
        int fd = Linux.memfdCreate("vhost-vertx-inflight", Linux.MFD_CLOEXEC);
        try {
            Linux.ftruncate(fd, size);
            return new InflightBuffer(fd, size, 0, queues, queueSize);
        } catch (RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    /** The buffer the front end kept for us; we own fd from now on. */
    static InflightBuffer adopt(int fd, long size, long offset, int queues, int queueSize) {
        if (queues < 1 || queueSize < 1 || size < 0 || share(size, queues) < InflightRegion.queueBytes(queueSize)
                || offset < 0) {
            Linux.close(fd);
            throw ProtocolException.refuse("inflight buffer of " + size + " bytes cannot hold " + queues
                    + " queues of " + queueSize);
        }
        try {
            return new InflightBuffer(fd, size, offset, queues, queueSize);
        } catch (RuntimeException e) {
            Linux.close(fd);
            throw e;
        }
    }

    private static long share(long size, int queues) {
        return size / queues & ~63L;
    }

    int fd() {
        return fd;
    }

    long size() {
        return size;
    }

    /**
     * The region of queue index for a ring of size entries, or null if the buffer has none for it. A
     * region too small for the ring's layout fails the ring's start, naming the sizes.
     */
    MemorySegment region(int index, int ringSize) {
        if (index >= queues || ringSize != queueSize) {
            return null;
        }
        return mapping.asSlice(index * share, share);
    }

    @Override
    public void close() {
        arena.close();
        Linux.close(fd);
    }
}
