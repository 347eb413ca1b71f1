package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.virtq.DescriptorChain;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * One capture of a net port into a pcap file: the frames the guest sent and received, for a time or
 * a number of frames, optionally only those to or from one MAC or of one EtherType (the outer one).
 * Ports call {@code record} only while their device holds a running capture, and several workers may
 * (pairs, switch lanes), so recording takes this object's lock: capturing costs a copy and a lock
 * per frame, a port without a capture nothing of it. The file is written by the recording workers
 * as its buffer fills; a write that fails (a full disk) ends the capture with the error and the
 * port goes on.
 */
final class Capture {

    static final int MAX_SECONDS = 3600;
    static final int MAX_FRAMES = 10_000_000;
    static final int DEFAULT_SECONDS = 10;
    /** A capture stops when its file reaches this size. */
    static final long MAX_BYTES = 1L << 30;
    private static final int BUFFER = 1 << 20;
    private static final long MAC_MASK = 0xffff_ffff_ffffL;

    /** What the operator asked for: how long, how many, which frames. */
    record Request(int seconds, long frames, long mac, int etherType) {

        static final long ANY_MAC = -1;
        static final int ANY_TYPE = -1;

        /** {"seconds": N} and/or {"frames": N} (default 10 seconds), "mac", "etherType" (0x0806 or "0x0806"). */
        static Request parse(JsonObject args) {
            boolean timed = args.containsKey("seconds");
            int seconds = number(args, "seconds", timed ? 0 : DEFAULT_SECONDS, 1, MAX_SECONDS);
            long frames = number(args, "frames", 0, 1, MAX_FRAMES);
            if (!timed && args.containsKey("frames")) {
                seconds = MAX_SECONDS;
            }
            long mac = ANY_MAC;
            Object m = args.getValue("mac");
            if (m != null) {
                if (!(m instanceof String s) || !s.matches("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")) {
                    throw new DeviceException("capture: \"mac\" must look like \"52:54:00:12:34:56\", was " + m);
                }
                byte[] b = HexFormat.ofDelimiter(":").parseHex(s.toLowerCase());
                mac = 0;
                for (int i = 5; i >= 0; i--) {
                    mac = mac << 8 | (b[i] & 0xff);
                }
            }
            int type = ANY_TYPE;
            Object t = args.getValue("etherType");
            if (t != null) {
                type = etherType(t);
            }
            return new Request(seconds, frames, mac, type);
        }

        private static int number(JsonObject args, String field, int dflt, int min, int max) {
            Object v = args.getValue(field);
            if (v == null) {
                return dflt;
            }
            if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() < min || n.longValue() > max) {
                throw new DeviceException("capture: \"" + field + "\" must be a whole number " + min + ".." + max
                        + ", was " + v);
            }
            return n.intValue();
        }

        private static int etherType(Object t) {
            long v = -1;
            if (t instanceof Number n && n.doubleValue() == n.longValue()) {
                v = n.longValue();
            } else if (t instanceof String s && s.matches("(0x|0X)?[0-9a-fA-F]{1,4}")) {
                v = Long.parseLong(s.replaceFirst("^0[xX]", ""), 16);
            }
            if (v < 0 || v > 0xffff) {
                throw new DeviceException("capture: \"etherType\" must be 0..65535 or hex like \"0x0806\", was " + t);
            }
            return (int) v;
        }

        /** Whether a frame whose bytes 0..7 are w0 and 6..13 are w6 (native order) passes the filter. */
        boolean wants(long w0, long w6) {
            if (mac != ANY_MAC && (w0 & MAC_MASK) != mac && (w6 & MAC_MASK) != mac) {
                return false;
            }
            return etherType == ANY_TYPE || (((w6 >>> 48) & 0xff) << 8 | (w6 >>> 56)) == etherType;
        }

        JsonObject toJson() {
            JsonObject j = new JsonObject().put("seconds", seconds);
            if (frames > 0) {
                j.put("frames", frames);
            }
            if (mac != ANY_MAC) {
                byte[] b = new byte[6];
                for (int i = 0; i < 6; i++) {
                    b[i] = (byte) (mac >>> (8 * i));
                }
                j.put("mac", HexFormat.ofDelimiter(":").formatHex(b));
            }
            if (etherType != ANY_TYPE) {
                j.put("etherType", String.format("0x%04x", etherType));
            }
            return j;
        }
    }

    private final Path file;
    private final Request request;
    private final PcapWriter writer;
    private final long deadlineNanos;
    private final long startMicros;
    private final long startNanos;
    private final Consumer<Capture> onEnd;
    private long frames;
    private volatile boolean running = true;
    private String ended;

    Capture(Path file, WritableByteChannel channel, Request request, Consumer<Capture> onEnd) {
        this.file = file;
        this.request = request;
        this.writer = new PcapWriter(channel, BUFFER);
        this.onEnd = onEnd;
        this.startNanos = System.nanoTime();
        this.startMicros = System.currentTimeMillis() * 1000;
        this.deadlineNanos = startNanos + request.seconds() * 1_000_000_000L;
    }

    /** Creates a new file in dir named after the device and the time, and starts capturing into it. */
    static Capture start(Path dir, String id, Request request, Consumer<Capture> onEnd) {
        Path file = dir.resolve(id + "-" + System.currentTimeMillis() + ".pcap");
        try {
            Files.createDirectories(dir);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new Capture(file, channel, request, onEnd);
        } catch (IOException | RuntimeException e) {
            throw new DeviceException("capture: cannot create " + file + ": " + e, e);
        }
    }

    Path file() {
        return file;
    }

    boolean running() {
        return running;
    }

    /** Records a frame of our memory (an application's, or a device's own). */
    void record(MemorySegment frame, int length) {
        if (!request.wants(frame.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), frame.get(ValueLayout.JAVA_LONG_UNALIGNED, 6))) {
            return;
        }
        synchronized (this) {
            if (!running) {
                return;
            }
            try {
                writer.append(now(), frame, length);
            } catch (IOException e) {
                end("write failed: " + e.getMessage());
                return;
            }
            counted();
        }
    }

    /**
     * Records the length bytes at pos of chain's readable part (the frame after its virtio-net
     * header); swapMacs records it with the MACs exchanged, as a reflect port delivers it.
     */
    void record(DescriptorChain chain, long pos, long length, boolean swapMacs) {
        if (!request.wants(chain.readLong(pos), chain.readLong(pos + 6))) {
            return;
        }
        synchronized (this) {
            if (!running) {
                return;
            }
            try {
                writer.append(now(), chain, pos, (int) length, swapMacs);
            } catch (IOException e) {
                end("write failed: " + e.getMessage());
                return;
            }
            counted();
        }
    }

    private long now() {
        return startMicros + (System.nanoTime() - startNanos) / 1000;
    }

    private void counted() {
        frames++;
        if (request.frames() > 0 && frames >= request.frames()) {
            end("frames");
        } else if (writer.bytes() >= MAX_BYTES) {
            end("size limit");
        } else if (System.nanoTime() - deadlineNanos >= 0) {
            end("time");
        }
    }

    /** Ends the capture (if it runs) for reason: flushes and closes the file. */
    synchronized void end(String reason) {
        if (!running) {
            return;
        }
        running = false;
        ended = reason;
        try {
            writer.close();
        } catch (IOException e) {
            ended = "write failed: " + e.getMessage();
        }
        onEnd.accept(this);
    }

    /** Ends the capture when its time is over (called from a timer). */
    void expire() {
        if (System.nanoTime() - deadlineNanos >= 0) {
            end("time");
        }
    }

    synchronized JsonObject describe() {
        JsonObject j = new JsonObject().put("file", file.toString()).put("running", running).put("frames", frames)
                .put("bytes", writer.bytes()).put("request", request.toJson());
        return ended == null ? j : j.put("ended", ended);
    }
}
