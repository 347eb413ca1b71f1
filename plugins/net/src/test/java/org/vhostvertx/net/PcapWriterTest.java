package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pcap file format as libpcap defines it, the capture's filter and limits, and a full disk. */
class PcapWriterTest {

    @TempDir
    Path dir;

    static byte[] frame(int length, int etherType, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (seed + i * 7);
        }
        byte[] dst = {0x52, 0x54, 0, 0, 0, (byte) seed};
        byte[] src = {0x52, 0x54, 0, 0, 1, (byte) seed};
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) (etherType >> 8);
        f[13] = (byte) etherType;
        return f;
    }

    static MemorySegment segment(byte[] b) {
        MemorySegment s = Arena.ofAuto().allocate(Math.max(b.length, 16));
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s;
    }

    /** A chain over a virtio-net header of 12 zero bytes and the frame, as a port sees a transmitted one. */
    static DescriptorChain chain(byte[] frame) {
        byte[] all = new byte[NetFeatures.HEADER + frame.length];
        System.arraycopy(frame, 0, all, NetFeatures.HEADER, frame.length);
        DescriptorChain c = new DescriptorChain(1);
        c.wrap(segment(all), all.length);
        return c;
    }

    /** The records of a pcap file, after checking its header as tcpdump would. */
    static byte[][] records(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
        b.order(magic == 0xa1b2c3d4 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0), "magic (microsecond pcap)");
        assertEquals(2, b.getShort(4), "major version");
        assertEquals(4, b.getShort(6), "minor version");
        assertEquals(262144, b.getInt(16), "snaplen");
        assertEquals(1, b.getInt(20), "LINKTYPE_ETHERNET");
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int at = 24;
        long lastMicros = 0;
        while (at < b.limit()) {
            long micros = b.getInt(at) * 1_000_000L + b.getInt(at + 4);
            assertTrue(b.getInt(at + 4) < 1_000_000, "microseconds below a second");
            assertTrue(micros >= lastMicros, "timestamps in order");
            assertTrue(Math.abs(micros / 1000 - System.currentTimeMillis()) < 60_000, "timestamp is now: " + micros);
            lastMicros = micros;
            int incl = b.getInt(at + 8);
            assertEquals(incl, b.getInt(at + 12), "whole frame kept");
            out.add(Arrays.copyOfRange(b.array(), at + 16, at + 16 + incl));
            at += 16 + incl;
        }
        assertEquals(b.limit(), at, "no trailing bytes");
        return out.toArray(new byte[0][]);
    }

    Capture capture(JsonObject args, AtomicReference<Capture> ended) {
        return Capture.start(dir, "p0", Capture.Request.parse(args), ended::set);
    }

    @Test
    void framesFromOurMemoryAndFromChainsAreRecordedWhole() throws Exception {
        Path file = dir.resolve("a.pcap");
        byte[] a = frame(60, 0x0800, 1);
        byte[] b = frame(1514, 0x86dd, 2);
        byte[] c = frame(9014, 0x0806, 3);
        try (PcapWriter w = new PcapWriter(FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                70_000)) {
            w.append(System.currentTimeMillis() * 1000, segment(a), a.length);
            w.append(System.currentTimeMillis() * 1000 + 1, chain(b), NetFeatures.HEADER, b.length, false);
            // More than the buffer holds in all: the writer flushes on the way.
            for (int i = 0; i < 10; i++) {
                w.append(System.currentTimeMillis() * 1000 + 2, chain(c), NetFeatures.HEADER, c.length, i == 9);
            }
        }
        byte[][] r = records(file);
        assertEquals(12, r.length);
        assertArrayEquals(a, r[0]);
        assertArrayEquals(b, r[1]);
        assertArrayEquals(c, r[2]);
        byte[] swapped = c.clone();
        System.arraycopy(c, 6, swapped, 0, 6);
        System.arraycopy(c, 0, swapped, 6, 6);
        assertArrayEquals(swapped, r[11], "the reflected frame is recorded with its MACs exchanged");
    }

    @Test
    void aCaptureKeepsOnlyWhatItsFilterAsksAndEndsAfterItsFrames() throws Exception {
        AtomicReference<Capture> ended = new AtomicReference<>();
        Capture cap = capture(new JsonObject().put("frames", 3).put("etherType", "0x0806"), ended);
        cap.record(segment(frame(60, 0x0800, 1)), 60);
        cap.record(chain(frame(60, 0x0806, 2)), NetFeatures.HEADER, 60, false);
        cap.record(segment(frame(100, 0x0806, 3)), 100);
        assertTrue(cap.running());
        cap.record(segment(frame(42, 0x0806, 4)), 42);
        assertFalse(cap.running(), "three frames were asked for");
        assertSame(cap, ended.get(), "the device hears that it ended");
        cap.record(segment(frame(42, 0x0806, 5)), 42);
        byte[][] r = records(cap.file());
        assertEquals(3, r.length);
        assertEquals(0x06, r[0][13]);
        assertEquals("frames", cap.describe().getString("ended"));
        assertEquals(3, cap.describe().getLong("frames"));

        Capture byMac = capture(new JsonObject().put("mac", "52:54:00:00:01:07").put("seconds", 5), ended);
        byMac.record(segment(frame(60, 0x0800, 6)), 60);
        byMac.record(segment(frame(60, 0x0800, 7)), 60);
        byMac.end("stopped");
        byte[][] m = records(byMac.file());
        assertEquals(1, m.length, "only the frame from 52:54:00:00:01:07");
        assertEquals(7, m[0][5]);
    }

    @Test
    void aFullDiskEndsTheCaptureWithTheErrorAndNothingElse() throws Exception {
        AtomicReference<Capture> ended = new AtomicReference<>();
        Capture cap = new Capture(Path.of("/dev/full"), FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE),
                Capture.Request.parse(new JsonObject().put("seconds", 60)), ended::set);
        MemorySegment f = segment(frame(1514, 0x0800, 1));
        for (int i = 0; i < 2000; i++) {
            cap.record(f, 1514);
        }
        assertFalse(cap.running());
        assertSame(cap, ended.get());
        assertTrue(cap.describe().getString("ended").startsWith("write failed: No space left on device"),
                cap.describe().encode());
    }

    @Test
    void badArgumentsAreRefusedNamingTheField() {
        for (JsonObject bad : new JsonObject[]{new JsonObject().put("seconds", 0), new JsonObject().put("seconds", 1.5),
                new JsonObject().put("frames", "ten"), new JsonObject().put("seconds", 3601),
                new JsonObject().put("mac", "52:54:00"), new JsonObject().put("etherType", "0x10000"),
                new JsonObject().put("etherType", -1)}) {
            DeviceException e = assertThrows(DeviceException.class, () -> Capture.Request.parse(bad), bad.encode());
            String field = bad.fieldNames().iterator().next();
            assertTrue(e.getMessage().contains("\"" + field + "\""), e.getMessage());
        }
        assertEquals(Capture.DEFAULT_SECONDS, Capture.Request.parse(new JsonObject()).seconds());
        assertEquals(0x0806, Capture.Request.parse(new JsonObject().put("etherType", 2054)).etherType());
    }
}
