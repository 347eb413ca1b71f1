package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.BackendProcess;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reconnect chaos with a real guest: our back end is SIGKILLed and started again over and over
 * while a Linux guest writes numbered 64 KiB blocks with O_DIRECT + fsync to one vhost-user-blk
 * disk and files to an ext4 file system on another (test/guest/scripts/chaos.sh). QEMU keeps the
 * requests the dead back end held (INFLIGHT_SHMFD) and hands them to the next one.
 *
 * <p>After every kill, before the restart, the image holds the last write the guest had
 * acknowledged; at the end the guest sees no I/O error, reads every block back and finds its
 * files intact, and e2fsck (in the guest and here on the image) finds the file system clean.
 *
 * <p>Server mode: QEMU's chardev has {@code reconnect=1}. Client mode: QEMU listens
 * ({@code server=on}) and our back end connects again when it starts. The number of kills per
 * case is {@code vhostvertx.chaos.kills} (CI runs the default; {@code bin/chaos} runs 20).
 */
class BackendRestartGuestTest {

    static final long SIZE = 64L << 20;
    static final int SLOTS = 64;
    static final int BLOCK = 64 << 10;
    static final Pattern ACK = Pattern.compile("VT-ACK (\\d+)");
    static final Pattern BODY = Pattern.compile("VT-INFO body md5 ([0-9a-f]{32})");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} mode, packed={1}")
    @CsvSource({"server, false", "client, false", "server, true"})
    void guestWritesSurviveBackEndKills(String mode, boolean packed) throws Exception {
        GuestRequirement.require();
        int kills = Integer.getInteger("vhostvertx.chaos.kills", 5);
        Path raw = dir.resolve("raw.img");
        Path fs = dir.resolve("fs.img");
        JsonObject config = new JsonObject().put("node", "chaos").put("console", new JsonObject().put("enabled", false))
                .put("devices", new JsonArray().add(disk("raw", raw, mode)).add(disk("fs", fs, mode)));
        String chardev = mode.equals("server") ? ",reconnect=1" : ",server=on";
        String ring = packed ? ",packed=on" : "";
        QemuGuest.Builder guest = QemuGuest.builder("chaos-" + mode + (packed ? "-packed" : "-split"))
                .args("-chardev", "socket,id=c0,path=" + dir.resolve("raw.sock") + chardev,
                        "-device", "vhost-user-blk-pci,chardev=c0,num-queues=1" + ring,
                        "-chardev", "socket,id=c1,path=" + dir.resolve("fs.sock") + chardev,
                        "-device", "vhost-user-blk-pci,chardev=c1,num-queues=1" + ring)
                .script("chaos").param("slots", SLOTS)
                .timeout(Duration.ofSeconds(300 + 30L * kills));
        Random random = new Random(42);
        BackendProcess backend = null;
        QemuGuest.Running running = null;
        List<Integer> ackedAtKills = new ArrayList<>();
        try {
            if (mode.equals("server")) {
                backend = start(config);
                running = guest.start();
            } else {
                // QEMU listens (on one socket after the other, each waiting for us); our devices
                // connect and retry until their socket is there.
                running = guest.start();
                backend = start(config);
            }
            assertTrue(running.waitForOutput("VT-READY chaos", Duration.ofSeconds(180)),
                    "the guest never got ready:\n" + running.consoleSoFar());
            String body = find(BODY, running.consoleSoFar());
            for (int k = 0; k < kills; k++) {
                awaitProgress(running, 8);
                // Somewhere in the middle of a write: the guest writes without pause.
                Thread.sleep(random.nextInt(300));
                int acked = lastAck(running.consoleSoFar());
                backend.kill();
                ackedAtKills.add(acked);
                assertSlotHolds(raw, acked, body, "after kill " + (k + 1));
                backend = start(config);
            }
            awaitProgress(running, 8);
            try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                f.seek((long) SLOTS * BLOCK);
                f.write("VT-STOP".getBytes(StandardCharsets.US_ASCII));
            }
            QemuGuest.Result result = running.await();
            result.assertPassed();
            assertTrue(result.console().contains("files intact, e2fsck clean"), result.summary());
            assertTrue(result.console().contains("numbered writes read back, no I/O error"), result.summary());
            Matcher stop = Pattern.compile("stop seen after (\\d+) writes").matcher(result.console());
            assertTrue(stop.find(), result.console());
            int writes = Integer.parseInt(stop.group(1));
            for (int s = 0; s < SLOTS; s++) {
                int last = writes - Math.floorMod(writes - s, SLOTS);
                if (last >= 1) {
                    assertSlotHolds(raw, last, body, "at the end");
                }
            }
            assertTrue(writes > ackedAtKills.getLast(), "writes went on after the last restart: " + ackedAtKills);
            System.out.printf("chaos %s packed=%s: %d kills at acknowledged writes %s, %d writes in all%n",
                    mode, packed, kills, ackedAtKills, writes);
        } finally {
            if (running != null) {
                running.close();
            }
            if (backend != null) {
                backend.close();
            }
        }
        Process fsck = new ProcessBuilder("e2fsck", "-fn", fs.toString()).redirectErrorStream(true).start();
        String out = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(fsck.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, fsck.exitValue(), "e2fsck on the host:\n" + out);
    }

    JsonObject disk(String id, Path image, String mode) {
        return new JsonObject().put("id", id).put("type", "blk").put("mode", mode)
                .put("socket", dir.resolve(id + ".sock").toString()).put("image", image.toString()).put("size", SIZE);
    }

    BackendProcess start(JsonObject config) throws IOException, InterruptedException {
        return BackendProcess.start(BackendProcess.jar(), List.of(), config, List.of(), dir);
    }

    /** Waits until the guest acknowledged more writes: the (new) back end serves it. */
    static void awaitProgress(QemuGuest.Running running, int more) throws InterruptedException {
        int target = lastAck(running.consoleSoFar()) + more;
        // "VT-ACK 12" also matches "VT-ACK 120": either way the guest got at least that far.
        assertTrue(running.waitForOutput("VT-ACK " + target, Duration.ofSeconds(120)),
                "the guest did not get to write " + target + ":\n" + tail(running.consoleSoFar()));
    }

    static int lastAck(String console) {
        Matcher m = ACK.matcher(console);
        int last = 0;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    /** Slot write % SLOTS holds write or a later one to that slot, with the guest's body. */
    static void assertSlotHolds(Path raw, int write, String body, String when) throws Exception {
        if (write < 1) {
            return;
        }
        byte[] block = new byte[BLOCK];
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            f.seek((long) (write % SLOTS) * BLOCK);
            f.readFully(block);
        }
        String header = new String(block, 0, 16, StandardCharsets.US_ASCII);
        assertTrue(header.matches("VT-BLOCK \\d{7}"), when + ": slot of write " + write + " holds '" + header + "'");
        int held = Integer.parseInt(header.substring(9));
        assertTrue(held >= write && held % SLOTS == write % SLOTS,
                when + ": write " + write + " was acknowledged but its slot holds write " + held);
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        md5.update(block, 4096, BLOCK - 4096);
        assertEquals(body, HexFormat.of().formatHex(md5.digest()), when + ": body of write " + held);
    }

    static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), "no " + p + " in\n" + text);
        return m.group(1);
    }

    static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 3000));
    }
}
