package org.vhostvertx.test.guest;

import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Linux's largest direct I/O (4 MiB blocks, and blocks of the guest's max_sectors_kb raised to what
 * the device allows) on blk and scsi disks of both ring layouts and of queue sizes 128 and 1024, in
 * one guest per device type: the requests carry indirect tables longer than the smaller ring, which
 * once broke packed rings and hung the guest's writes.
 */
class LargeIoGuestTest {

    /** The four rings every device type is tried with: layout and queue size. */
    record Ring(boolean packed, int size) {
        String id(String type) {
            return type + (packed ? "-packed-" : "-split-") + size;
        }
    }

    static final List<Ring> RINGS = List.of(new Ring(false, 128), new Ring(true, 128), new Ring(false, 1024),
            new Ring(true, 1024));

    @TempDir
    Path dir;

    @Test
    void blkDisks() throws Exception {
        run("blk", false, LargeIoGuestTest::blkDevice);
    }

    /**
     * The same on image files opened O_DIRECT ("direct": true) through io_uring: Linux's 4 MiB
     * direct requests reach the file as they are, and read back intact.
     */
    @Test
    void blkDisksDirect() throws Exception {
        run("blk", true, LargeIoGuestTest::blkDevice);
    }

    private static List<String> blkDevice(Ring ring, int i) {
        return List.of("-device", "vhost-user-blk-pci,chardev=c" + i + ",num-queues=1,queue-size=" + ring.size()
                + (ring.packed() ? ",packed=on" : ""));
    }

    @Test
    void scsiDisks() throws Exception {
        run("scsi", false, LargeIoGuestTest::scsiDevice);
    }

    /** LUNs on image files opened O_DIRECT, READ and WRITE through io_uring. */
    @Test
    void scsiDisksDirect() throws Exception {
        run("scsi", true, LargeIoGuestTest::scsiDevice);
    }

    private static List<String> scsiDevice(Ring ring, int i) {
        return List.of("-device", "vhost-user-scsi-pci,chardev=c" + i + ",num_queues=1,virtqueue_size=" + ring.size()
                + (ring.packed() ? ",packed=on" : ""));
    }

    interface DeviceArgs {
        List<String> of(Ring ring, int index);
    }

    void run(String type, boolean direct, DeviceArgs deviceArgs) throws Exception {
        GuestRequirement.require();
        List<JsonObject> devices = new ArrayList<>();
        List<String> args = new ArrayList<>();
        for (int i = 0; i < RINGS.size(); i++) {
            Ring ring = RINGS.get(i);
            Path socket = dir.resolve(ring.id(type) + ".sock");
            JsonObject d = new JsonObject().put("id", ring.id(type)).put("type", type).put("socket", socket.toString());
            JsonObject disk = direct
                    ? new JsonObject().put("image", dir.resolve(ring.id(type) + ".img").toString()).put("size", "64M")
                            .put("direct", true)
                    : new JsonObject().put("ram", true).put("size", "64M");
            devices.add(type.equals("blk") ? d.mergeIn(disk) : d.put("luns", new JsonArray().add(disk)));
            args.add("-chardev");
            args.add("socket,id=c" + i + ",path=" + socket);
            args.addAll(deviceArgs.of(ring, i));
        }
        // The ring each request queue ran on last, as the back end reports it (SeaBIOS, which reads
        // the disk before Linux boots, knows only the split ring).
        Map<String, String> started = new ConcurrentHashMap<>();
        Map<String, JsonObject> info = new ConcurrentHashMap<>();
        int requestQueue = type.equals("blk") ? 0 : 2;
        try (Backend backend = Backend.start(Backend.config(devices.toArray(JsonObject[]::new)))) {
            MessageConsumer<JsonObject> events = backend.vertx().eventBus().consumer("vhost.events", m -> {
                JsonObject e = m.body();
                if ("queue-started".equals(e.getString("event")) && e.getInteger("queue") == requestQueue) {
                    started.put(e.getString("device"), (e.getBoolean("packed") ? "packed-" : "split-")
                            + e.getInteger("size"));
                }
            });
            events.completion().toCompletionStage().toCompletableFuture().get();
            QemuGuest.builder("large-io-" + type).args(args).script("bigio").param("disks", RINGS.size())
                    .run().assertPassed();
            events.unregister();
            for (Ring ring : RINGS) {
                JsonObject stats = backend.request("vhost.control." + Backend.NODE + "." + ring.id(type),
                        new JsonObject().put("action", "stats"));
                info.put(ring.id(type), stats.getJsonObject("info"));
            }
        }
        for (Ring ring : RINGS) {
            String layout = (ring.packed() ? "packed-" : "split-") + ring.size();
            assertEquals(layout, started.get(ring.id(type)), "the ring Linux used for " + ring.id(type));
            if (direct) {
                JsonObject i = info.get(ring.id(type));
                JsonObject disk = type.equals("blk") ? i : i.getJsonArray("luns").getJsonObject(0);
                assertEquals(true, disk.getBoolean("direct"), ring.id(type) + " " + i);
                assertEquals("io_uring", i.getString("io"), ring.id(type) + " " + i);
            }
        }
    }
}
