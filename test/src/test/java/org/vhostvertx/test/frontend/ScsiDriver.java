package org.vhostvertx.test.frontend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** virtio-scsi requests through one of our front end's request queues (virtio 1.2 §5.6.6.1). */
public final class ScsiDriver {

    public static final int REQ_HEADER = 51;
    public static final int RESP_SIZE = 108;

    /** What came back: the virtio response, SCSI status, sense and the data-in bytes. */
    public record Response(int usedLength, int response, int status, int senseLength, int residual, byte[] sense,
                           byte[] dataIn) {
        public int senseKey() {
            return sense.length > 2 ? sense[2] & 0x0f : -1;
        }

        public int asc() {
            return sense.length > 12 ? sense[12] & 0xff : -1;
        }

        public int ascq() {
            return sense.length > 13 ? sense[13] & 0xff : -1;
        }
    }

    /** One request's buffers, for keeping many requests in flight (benchmarks). */
    public final class Slot {
        public final long header;
        public final long response;
        public final long data;
        public final int capacity;
        public int id = -1;

        Slot(int capacity) {
            this.capacity = capacity;
            header = ram.alloc(REQ_HEADER, 8);
            response = ram.alloc(RESP_SIZE, 8);
            data = ram.alloc(capacity, 4096);
        }

        /** True when the request completed with virtio OK and SCSI GOOD. */
        public boolean good() {
            byte[] r = ram.read(response + 10, 2);
            return r[0] == 0 && r[1] == 0;
        }
    }

    public Slot slot(int capacity) {
        return new Slot(capacity);
    }

    /** Queues READ(16) or WRITE(16) of len bytes at lba of LUN 0 using the slot's buffers (no kick). */
    public void submit(Slot s, boolean write, long lba, int len) {
        ram.write(s.header, rw16(++tag, write, lba, len / 512));
        ram.write(s.response + 10, new byte[]{0x7f, 0x7f});
        s.id = write
                ? queue.ring.add(DriverRing.Buf.in(s.header, REQ_HEADER), DriverRing.Buf.in(s.data, len),
                DriverRing.Buf.out(s.response, RESP_SIZE))
                : queue.ring.add(DriverRing.Buf.in(s.header, REQ_HEADER), DriverRing.Buf.out(s.response, RESP_SIZE),
                DriverRing.Buf.out(s.data, len));
    }

    /** The request header (lun, id, task attributes, cdb) of READ(16) or WRITE(16) of blocks at lba of LUN 0. */
    public static byte[] rw16(long tag, boolean write, long lba, int blocks) {
        byte[] cdb = ByteBuffer.allocate(16).put((byte) (write ? 0x8a : 0x88)).put((byte) 0).putLong(lba)
                .putInt(blocks).array();
        return header(lun(0), tag, cdb);
    }

    /** A request header: the lun field, the id tag, simple task attribute, prio and crn 0, and the cdb. */
    public static byte[] header(byte[] lunField, long tag, byte[] cdb) {
        ByteBuffer h = ByteBuffer.allocate(REQ_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.put(lunField).putLong(tag).put((byte) 0).put((byte) 0).put((byte) 0).put(cdb, 0, Math.min(cdb.length, 32));
        return h.array();
    }

    /** Reads a response area of RESP_SIZE bytes (virtio 1.2 §5.6.6.1) the device returned with usedLength. */
    public static Response response(byte[] area, int usedLength, byte[] dataIn) {
        ByteBuffer r = ByteBuffer.wrap(area).order(ByteOrder.LITTLE_ENDIAN);
        int senseLen = r.getInt(0);
        byte[] sense = new byte[Math.min(senseLen, 96)];
        r.get(12, sense);
        return new Response(usedLength, r.get(11) & 0xff, r.get(10) & 0xff, senseLen, r.getInt(4), sense, dataIn);
    }

    private final FrontEnd.Queue queue;
    private final GuestRam ram;
    private final long header;
    private final long dataOut;
    private final long response;
    private final long dataIn;
    private final int capacity;
    private long tag;

    public ScsiDriver(FrontEnd.Queue queue, GuestRam ram, int capacity) {
        this.queue = queue;
        this.ram = ram;
        this.capacity = capacity;
        this.header = ram.alloc(REQ_HEADER, 8);
        this.dataOut = ram.alloc(capacity, 4096);
        this.response = ram.alloc(RESP_SIZE, 8);
        this.dataIn = ram.alloc(capacity, 4096);
    }

    public static byte[] lun(int n) {
        return new byte[]{1, 0, (byte) ((n >> 8) | 0x40), (byte) n, 0, 0, 0, 0};
    }

    /** Sends one command: cdb to lunField, with out as data-out and room for inLength bytes of data-in. */
    public Response command(byte[] lunField, byte[] cdb, byte[] out, int inLength) throws IOException {
        return command(lunField, cdb, out, inLength, RESP_SIZE);
    }

    /** As {@link #command(byte[], byte[], byte[], int)} with a response area of respLength bytes. */
    public Response command(byte[] lunField, byte[] cdb, byte[] out, int inLength, int respLength) throws IOException {
        if (out.length > capacity || inLength > capacity) {
            throw new IllegalArgumentException("data larger than the driver's buffers");
        }
        ram.write(header, header(lunField, ++tag, cdb));
        ram.write(response, new byte[RESP_SIZE]);
        List<DriverRing.Buf> bufs = new ArrayList<>();
        bufs.add(DriverRing.Buf.in(header, REQ_HEADER));
        if (out.length > 0) {
            ram.write(dataOut, out);
            bufs.add(DriverRing.Buf.in(dataOut, out.length));
        }
        bufs.add(DriverRing.Buf.out(response, respLength));
        if (inLength > 0) {
            ram.write(dataIn, new byte[inLength]);
            bufs.add(DriverRing.Buf.out(dataIn, inLength));
        }
        int id = queue.ring.add(bufs.toArray(new DriverRing.Buf[0]));
        queue.kickIfNeeded();
        DriverRing.Used u = queue.awaitUsed(20_000);
        if (u.id() != id) {
            throw new IOException("completion of " + u.id() + " while waiting for " + id);
        }
        return response(ram.read(response, RESP_SIZE), u.len(), inLength > 0 ? ram.read(dataIn, inLength) : new byte[0]);
    }
}
