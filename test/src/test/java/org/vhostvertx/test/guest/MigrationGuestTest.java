package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.Signals;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QEMU guests live-migrate to a second QEMU on this host while our devices serve them, so the data
 * our back end puts into guest memory during the migration reaches the destination only through
 * our dirty log:
 *
 * <ul>
 *   <li>blk and scsi (a LUN): the guest reads its disk into RAM again and again and checks it, and
 *       writes a counter; the writes made during and after the migration are on the image. Source
 *       and destination are two devices of one back end on one image, the destination's without
 *       the image lock (shared on purpose).
 *   <li>net: guest B moves to a new QEMU on another port of the same switch while guest A pings it
 *       and sends it a file over TCP; the ping goes on after the move (QEMU's SEND_RARP makes our
 *       switch learn B's MAC on the new port) and the file arrives whole.
 * </ul>
 *
 * The host tells a guest that its migration is over on the guest's host channel (a second serial
 * port), so the guests' loops last as long as the migration does, however slow the machine.
 */
class MigrationGuestTest {

    static final long SIZE = 64L << 20;
    static final Pattern ROUNDS = Pattern.compile("VT-OK (\\d+) rounds");
    static final Pattern ROUND = Pattern.compile("VT-INFO round (\\d+) ok");
    static final Pattern PING_OK = Pattern.compile("VT-INFO ping (\\d+) ok");
    static final Pattern PING_ANY = Pattern.compile("VT-INFO ping (\\d+) (?:ok|lost)");

    @TempDir
    Path root;
    /** The attempt's directory in root (see TcgMigrationCorruption): its sockets, images and host channels. */
    Path dir;
    /** The attempt's number, 1 first. */
    int attempt;

    /** Runs body as attempts (see TcgMigrationCorruption), each in a directory of its own. */
    void attempts(TcgMigrationCorruption.Attempt body) throws Exception {
        TcgMigrationCorruption.retry((n, destinations) -> {
            attempt = n;
            dir = java.nio.file.Files.createDirectories(root.resolve("attempt-" + n));
            body.run(n, destinations);
        });
    }

    /** b, its console log kept apart from the first attempt's after that. */
    QemuGuest.Builder logged(QemuGuest.Builder b) {
        return attempt <= 1 ? b : b.logDir(QemuGuest.repoRoot().resolve("test/target/guest-logs/attempt-" + attempt));
    }

    JsonObject blk(String id, Path image) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("image", image.toString()).put("size", SIZE);
    }

    JsonObject scsi(String id, Path image, boolean locking) {
        return new JsonObject().put("id", id).put("type", "scsi").put("socket", dir.resolve(id + ".sock").toString())
                .put("luns", new JsonArray().add(new JsonObject().put("image", image.toString()).put("size", SIZE)
                        .put("locking", locking)));
    }

    @Test
    void blkGuestMigratesWhileReadingAndWriting() throws Exception {
        attempts((number, destinations) -> {
            Path image = dir.resolve("disk.img");
            migrateDiskGuest("blk", blk("src", image), blk("dst", image).put("locking", false),
                    "vhost-user-blk-pci,chardev=c0,id=disk0,num-queues=1", null, image, destinations);
        });
    }

    @Test
    void scsiGuestMigratesWhileReadingAndWritingALun() throws Exception {
        attempts((number, destinations) -> {
            Path image = dir.resolve("lun0.img");
            migrateDiskGuest("scsi", scsi("src", image, true), scsi("dst", image, false),
                    "vhost-user-scsi-pci,chardev=c0,id=scsi0,num_queues=1", 0, image, destinations);
        });
    }

    /** The guest of migrate-disk.sh on device (a QEMU -device with chardev c0) at our device id's socket. */
    QemuGuest.Builder diskGuest(String name, String id, String device, Integer lun) {
        QemuGuest.Builder b = logged(QemuGuest.builder(name))
                .args("-chardev", "socket,id=c0,path=" + dir.resolve(id + ".sock"), "-device", device)
                .hostChannel(dir.resolve(id + "-host.sock"))
                // Debian's kernel zeroes every page it allocates (init_on_alloc): the CPU's write
                // would make QEMU send a page-cache page again after our read filled it, so the
                // test would pass without our dirty log.
                .kernelArg("init_on_alloc=0")
                .script("migrate-disk").timeout(Duration.ofSeconds(400));
        return lun == null ? b : b.param("lun", lun);
    }

    void migrateDiskGuest(String kind, JsonObject src, JsonObject dst, String device, Integer lun, Path image,
                          List<TcgMigrationCorruption.Destination> destinations) throws Exception {
        GuestRequirement.require();
        Path monitor = dir.resolve("monitor.sock");
        Path migration = dir.resolve("migration.sock");
        int last;
        try (Backend backend = Backend.start(Backend.config(src, dst))) {
            QemuGuest.Builder source = diskGuest("migrate-" + kind + "-source", "src", device, lun)
                    .args("-monitor", "unix:" + monitor + ",server=on,wait=off");
            QemuGuest.Builder destination = diskGuest("migrate-" + kind + "-destination", "dst", device, lun)
                    .args("-incoming", "unix:" + migration);
            try (QemuGuest.Running s = source.start()) {
                assertTrue(s.waitForOutput("VT-READY migrate", Duration.ofSeconds(180)),
                        "the guest never got ready:\n" + s.consoleSoFar());
                try (QemuGuest.Running d = started(destination, destinations);
                     Monitor hmp = Monitor.connect(monitor, QemuGuest.scaled(Duration.ofSeconds(30)))) {
                    // Let a few rounds run first, so reads land in guest memory while pages are being sent.
                    assertTrue(s.waitForOutput("round 3 ok", Duration.ofSeconds(120)), s.consoleSoFar());
                    // Once QEMU sent all RAM, the migration is held (the destination stopped, so the
                    // stream stalls) while the guest reads new data into RAM through us; only our
                    // dirty log can then carry those pages over.
                    hmp.startIterating(migration, Duration.ofSeconds(240));
                    Signals.send(d.pid(), Signals.SIGSTOP);
                    try {
                        assertTrue(hmp.active(), "the migration is held before it completed");
                        s.tell("read");
                        assertTrue(s.waitForOutput("VT-READ-DONE", Duration.ofSeconds(120)), s.consoleSoFar());
                        assertTrue(hmp.active(), "the migration was still held while the guest read");
                    } finally {
                        Signals.send(d.pid(), Signals.SIGCONT);
                    }
                    System.out.println(kind + " migration: " + hmp.release(Duration.ofSeconds(240)));
                    d.tell("migrated");
                    QemuGuest.Result r = d.await();
                    r.assertPassed();
                    Matcher m = ROUNDS.matcher(r.console());
                    assertTrue(m.find(), r.console());
                    last = Integer.parseInt(m.group(1));
                    // Rounds ran on both sides: a round's read may straddle the switch-over.
                    int lastOnSource = numbers(ROUND, s.consoleSoFar()).stream().max(Integer::compare).orElse(0);
                    assertTrue(lastOnSource >= 3 && numbers(ROUND, r.console()).contains(lastOnSource + 1),
                            "the destination went on with round " + (lastOnSource + 1) + ":\n" + r.console());
                    assertTrue(r.console().contains("VT-OK 8 MiB read into RAM during the migration arrived intact"),
                            r.console());
                }
            }
        }
        byte[] counter = new byte[17];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(16L << 20);
            f.readFully(counter);
        }
        assertEquals("VT-ROUND %08d".formatted(last), new String(counter, StandardCharsets.US_ASCII),
                "the last round's write, made on the destination, is on the image");
    }

    @Test
    void netGuestMovesToAnotherPortWhilePingedAndSentAFile() throws Exception {
        GuestRequirement.require();
        attempts((number, destinations) -> moveNetGuest(destinations));
    }

    /** One attempt of the net case: guest B moves to another port while guest A pings it and sends it a file. */
    void moveNetGuest(List<TcgMigrationCorruption.Destination> destinations) throws Exception {
        String macA = "52:54:00:00:20:01";
        String macB = "52:54:00:00:20:02";
        // Link-local addresses: the traffic never leaves our switch.
        String ipA = "169.254.20.1";
        String ipB = "169.254.20.2";
        int mib = 8;
        Path monitor = dir.resolve("monitor.sock");
        Path migration = dir.resolve("migration.sock");
        try (Backend backend = Backend.start(Backend.config(NetGuestTest.port(dir, "mig-a", macA, 1500),
                NetGuestTest.port(dir, "mig-b-src", macB, 1500), NetGuestTest.port(dir, "mig-b-dst", macB, 1500)))) {
            QemuGuest.Builder stay = logged(NetGuestTest.guest(dir, "mig-a", macA, ipA, ipB, "stay", 1500)
                    .script("migrate-net").param("mib", mib).hostChannel(dir.resolve("a-host.sock")));
            // Source and destination of B differ in their socket, so in the port of ours they use.
            QemuGuest.Builder moveFrom = logged(NetGuestTest.guest(dir, "mig-b-src", macB, ipB, ipA, "move", 1500)
                    .script("migrate-net").args("-monitor", "unix:" + monitor + ",server=on,wait=off"));
            QemuGuest.Builder moveTo = logged(NetGuestTest.guest(dir, "mig-b-dst", macB, ipB, ipA, "move", 1500)
                    .script("migrate-net").args("-incoming", "unix:" + migration));
            try (QemuGuest.Running b = moveFrom.start(); QemuGuest.Running a = stay.start()) {
                assertTrue(a.waitForOutput("VT-READY migrate", Duration.ofSeconds(240)),
                        "guest A never started sending:\n" + a.consoleSoFar() + "\nguest B:\n" + b.consoleSoFar());
                try (QemuGuest.Running bTo = started(moveTo, destinations);
                     Monitor hmp = Monitor.connect(monitor, QemuGuest.scaled(Duration.ofSeconds(30)))) {
                    List<Integer> answeredBefore = numbers(PING_OK, a.consoleSoFar());
                    System.out.println("net migration: " + hmp.migrate(migration, Duration.ofSeconds(240)));
                    a.tell("migrated");
                    QemuGuest.Result ra = a.await();
                    ra.assertPassed(); // before B's result: B waits for a file that may never come
                    QemuGuest.Result rb = bTo.await();
                    rb.assertPassed();

                    String sent = NetGuestTest.md5(ra, "sent");
                    assertEquals(sent, NetGuestTest.md5(rb, "received"), "the file arrived unchanged");
                    assertTrue(rb.console().contains("received " + (mib << 20) + " bytes"), rb.console());

                    // The ping crossed the migration: answered before it, and answered when sent after
                    // the host's word that it was over (the guest names the ping then under way).
                    assertTrue(!answeredBefore.isEmpty(), "no ping answered before the migration:\n" + ra.console());
                    Matcher over = Pattern.compile("migration is over \\(ping (\\d+) was under way\\)").matcher(ra.console());
                    assertTrue(over.find(), ra.console());
                    int under = Integer.parseInt(over.group(1));
                    List<Integer> answered = numbers(PING_OK, ra.console());
                    assertTrue(answered.stream().filter(n -> n > under).count() >= 3,
                            "pings after " + under + " answered: " + answered);
                    System.out.println("net migration: pings " + numbers(PING_ANY, ra.console()).size() + ", answered "
                            + answered.size() + ", under way at the end " + under);

                    // B's new port carried the end of the file and B's answers; its old port the start.
                    JsonObject from = NetGuestTest.stats(backend, "mig-b-src");
                    JsonObject to = NetGuestTest.stats(backend, "mig-b-dst");
                    System.out.println("net migration: old port " + from + "\nnew port " + to);
                    assertTrue(NetGuestTest.counter(from, 0, "bytes") > (mib << 20) / 4, "old port: " + from);
                    assertTrue(NetGuestTest.counter(to, 0, "bytes") >= 65536, "new port received: " + to);
                    assertTrue(NetGuestTest.counter(to, 1, "requests") >= 3, "new port sent: " + to);
                    assertTrue(to.getJsonObject("info").getLong("announcements") >= 1,
                            "QEMU's SEND_RARP reached the new port: " + to);
                }
            }
        }
    }

    /** Starts a destination guest and adds it to destinations, whose consoles the attempt's verdict reads. */
    static QemuGuest.Running started(QemuGuest.Builder b, List<TcgMigrationCorruption.Destination> destinations)
            throws java.io.IOException, InterruptedException {
        QemuGuest.Running r = b.start();
        destinations.add(TcgMigrationCorruption.Destination.of(r));
        return r;
    }

    static List<Integer> numbers(Pattern p, String text) {
        return p.matcher(text).results().map(r -> Integer.parseInt(r.group(1))).toList();
    }
}
