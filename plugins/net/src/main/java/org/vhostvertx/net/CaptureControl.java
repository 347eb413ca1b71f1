package org.vhostvertx.net;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A net device's captures, for its control actions: {@code capture} starts one (one at a time),
 * {@code capture-stop} ends it, both on the device host's event loop; {@code capture-read} hands
 * out the last capture's file in pieces over the event bus, so a console on another node can offer
 * it, and runs on a worker thread (it reads the file), possibly while the others run: it reads
 * only {@link #last} (volatile) and the capture's final file and volatile running flag. The ports
 * read {@link #current()} once per burst; it is null while nothing is captured.
 */
final class CaptureControl {

    /** The most bytes one capture-read returns (before base64). */
    static final int MAX_READ = 512 * 1024;

    private final String id;
    private final Path dir;
    private final AtomicReference<Capture> current = new AtomicReference<>();
    private volatile Capture last;
    private Vertx timerOwner;
    private long timer = -1;

    CaptureControl(String id, Path dir) {
        this.id = id;
        this.dir = dir;
    }

    Capture current() {
        return current.get();
    }

    JsonObject start(JsonObject args) {
        Capture running = current.get();
        if (running != null) {
            throw new DeviceException("a capture runs already, into " + running.file() + " (capture-stop ends it)");
        }
        Capture.Request request = Capture.Request.parse(args);
        Capture c = Capture.start(dir, id, request, ended -> current.compareAndSet(ended, null));
        last = c;
        current.set(c);
        Context context = Vertx.currentContext();
        if (context != null) {
            // The ports end a capture on its last frame; this ends one whose time is up while no frame passes.
            timerOwner = context.owner();
            timer = timerOwner.setTimer(request.seconds() * 1000L, t -> c.expire());
        }
        return new JsonObject().put("file", c.file().toString()).mergeIn(request.toJson());
    }

    JsonObject stop() {
        Capture c = current.get();
        if (c == null) {
            throw new DeviceException("no capture runs");
        }
        c.end("stopped");
        cancelTimer();
        return c.describe();
    }

    /**
     * {"offset": n}: up to 512 KiB of the last capture's file from offset, base64 in "data". Runs on
     * a worker thread; the file may grow meanwhile (a worker records into it), so a piece is what
     * the file held when it was read.
     */
    JsonObject read(JsonObject args) {
        Capture c = last;
        if (c == null) {
            throw new DeviceException("no capture was made on this device");
        }
        Object o = args.getValue("offset", 0);
        if (!(o instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
            throw new DeviceException("capture-read: \"offset\" must be a whole number of bytes, was " + o);
        }
        long offset = n.longValue();
        try (FileChannel ch = FileChannel.open(c.file(), StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.max(0, Math.min(MAX_READ, size - offset)));
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                // read until the piece is full
            }
            return new JsonObject().put("file", c.file().toString()).put("size", size).put("offset", offset)
                    .put("running", c.running()).put("data", Base64.getEncoder().encodeToString(buf.array()));
        } catch (IOException e) {
            throw new DeviceException("capture-read: cannot read " + c.file() + ": " + e.getMessage(), e);
        }
    }

    /** The last capture in the device's info. */
    void describe(JsonObject info) {
        Capture c = last;
        if (c != null) {
            info.put("capture", c.describe());
        }
    }

    void close() {
        Capture c = current.get();
        if (c != null) {
            c.end("device closed");
        }
        cancelTimer();
    }

    private void cancelTimer() {
        if (timer >= 0) {
            timerOwner.cancelTimer(timer);
            timer = -1;
        }
    }
}
