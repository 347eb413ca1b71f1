package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * virtio-blk requests through one of our front end's queues: each request slot owns a header, a
 * data buffer and a status byte in guest memory.
 */
public final class BlkDriver {

    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;
    public static final int T_DISCARD = 11;
    public static final int T_WRITE_ZEROES = 13;

    /** One request's buffers. */
    public final class Slot {
        public final long header;
        public final long data;
        public final long status;
        public final int capacity;
        public int id = -1;

        Slot(int capacity) {
            this.capacity = capacity;
            header = ram.alloc(16, 16);
            data = ram.alloc(capacity, 4096);
            status = ram.alloc(1, 1);
        }

        void header(int type, long sector) {
            MemorySegment h = ram.at(header, 16);
            h.set(ValueLayout.JAVA_INT_UNALIGNED, 0, type);
            h.set(ValueLayout.JAVA_INT_UNALIGNED, 4, 0);
            h.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, sector);
            ram.at(status, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x7f);
        }

        public int status() {
            return ram.at(status, 1).get(ValueLayout.JAVA_BYTE, 0);
        }
    }

    private final GuestRam ram;
    private final FrontEnd.Queue queue;
    private boolean indirect;

    public BlkDriver(FrontEnd.Queue queue, GuestRam ram) {
        this.queue = queue;
        this.ram = ram;
    }

    public FrontEnd.Queue queue() {
        return queue;
    }

    /** Use one indirect table per request instead of direct descriptors. */
    public BlkDriver indirect(boolean on) {
        this.indirect = on;
        return this;
    }

    public Slot slot(int capacity) {
        return new Slot(capacity);
    }

    private int add(DriverRing.Buf... bufs) {
        return indirect ? queue.ring.addIndirect(bufs) : queue.ring.add(bufs);
    }

    /** Queues a read of len bytes at sector into the slot (no kick). */
    public void submitRead(Slot s, long sector, int len) {
        s.header(T_IN, sector);
        s.id = add(DriverRing.Buf.in(s.header, 16), DriverRing.Buf.out(s.data, len), DriverRing.Buf.out(s.status, 1));
    }

    /** Queues a write of the slot's first len bytes at sector (no kick). */
    public void submitWrite(Slot s, long sector, int len) {
        s.header(T_OUT, sector);
        s.id = add(DriverRing.Buf.in(s.header, 16), DriverRing.Buf.in(s.data, len), DriverRing.Buf.out(s.status, 1));
    }

    /** Queues a request of a type with no data (FLUSH). */
    public void submitBare(Slot s, int type) {
        s.header(type, 0);
        s.id = add(DriverRing.Buf.in(s.header, 16), DriverRing.Buf.out(s.status, 1));
    }

    /** Runs one request to completion and returns the used length; the status is in the slot. */
    public int run(Slot s) throws IOException {
        queue.kickIfNeeded();
        DriverRing.Used u = queue.awaitUsed(20_000);
        if (u.id() != s.id) {
            throw new IOException("completion for id " + u.id() + " while waiting for " + s.id);
        }
        return u.len();
    }

    public int read(Slot s, long sector, int len) throws IOException {
        submitRead(s, sector, len);
        run(s);
        return s.status();
    }

    public int write(Slot s, long sector, byte[] data) throws IOException {
        ram.write(s.data, data);
        submitWrite(s, sector, data.length);
        run(s);
        return s.status();
    }

    public byte[] data(Slot s, int len) {
        return ram.read(s.data, len);
    }

    /** DISCARD or WRITE_ZEROES of sectors at sector, with flags. */
    public int discardOrZeroes(Slot s, int type, long sector, int sectors, int flags) throws IOException {
        s.header(type, 0);
        MemorySegment seg = ram.at(s.data, 16);
        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, sector);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, 8, sectors);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, 12, flags);
        s.id = add(DriverRing.Buf.in(s.header, 16), DriverRing.Buf.in(s.data, 16), DriverRing.Buf.out(s.status, 1));
        run(s);
        return s.status();
    }
}
