package org.vhostvertx.test.guest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.Footprint;
import org.vhostvertx.test.frontend.ProcessResources;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QEMU itself, a Linux guest writing to its disk, is SIGKILLed again and again, in turn on a
 * vhost-user-blk and a vhost-user-scsi device of one back-end process. Afterwards the back end
 * holds exactly the descriptors, threads and shared mappings it held before (none of QEMU's guest
 * memory), its heap after a full GC is within a small tolerance, and a new guest is served on both
 * devices. {@code test.restart.FrontEndKillTest} does the same with our own front end, faster.
 * <p>
 * Rounds: {@code -DqemuKills=N}, 4 by default (a guest boots in each); {@code bin/chaos} runs 100.
 */
class QemuKillGuestTest {

    static final int KILLS = Integer.getInteger("qemuKills", 4);
    /** QEMU's memory-backend-memfd is named after its object, "mem" in every guest here. */
    static final String GUEST_RAM = "mem";
    /** As FrontEndKillTest's: the heap after a full GC moves by up to about 1 MiB without a leak. */
    static final long HEAP_TOLERANCE_KIB = 3072;
    static final long SETTLE_SECONDS = 60;
    static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void theBackEndGivesBackEverythingItsKilledGuestsHeld() throws Exception {
        GuestRequirement.require();
        JsonObject config = new JsonObject().put("node", "qemu-kills").put("console", new JsonObject().put("port", 0))
                .put("devices", new JsonArray()
                        .add(new JsonObject().put("id", "blk").put("type", "blk").put("socket", socket("blk"))
                                .put("image", dir.resolve("blk.img").toString()).put("size", SIZE))
                        .add(new JsonObject().put("id", "scsi").put("type", "scsi").put("socket", socket("scsi"))
                                .put("luns", new JsonArray().add(new JsonObject()
                                        .put("image", dir.resolve("scsi.img").toString()).put("size", SIZE)))));
        try (BackendProcess backend = BackendProcess.start(BackendProcess.jar(), Footprint.STEADY_JVM, config,
                List.of(), dir)) {
            ProcessResources proc = new ProcessResources(backend.pid());
            // The first jcmd starts the JVM's attach listener (a thread and a socket) for good.
            proc.heapUsedAfterGcKiB();
            Footprint idle = Footprint.of(proc, GUEST_RAM);
            Random random = new Random(5);
            // One round of each kind first: the JVM commits some memory at first use only.
            killMidIo(proc, false, random);
            killMidIo(proc, true, random);
            Footprint warm = Footprint.settle(proc, GUEST_RAM, idle, SETTLE_SECONDS);
            assertEquals(idle.fds(), warm.fds(), "descriptors after the warm-up rounds");
            assertEquals(idle.threads(), warm.threads(), "threads after the warm-up rounds");
            assertEquals(0, warm.guestMappings(), "guest memory mapped after the warm-up rounds");
            long heapBefore = proc.heapUsedAfterGcKiB();
            Footprint before = Footprint.of(proc, GUEST_RAM);

            for (int round = 0; round < KILLS; round++) {
                killMidIo(proc, round % 2 == 1, random);
            }
            Footprint after = Footprint.settle(proc, GUEST_RAM, before, SETTLE_SECONDS);
            long heapAfter = proc.heapUsedAfterGcKiB();
            System.out.printf("qemu kills: %d rounds; before %s, heap after GC %d KiB; after %s, heap after GC %d KiB%n",
                    KILLS, before, heapBefore, after, heapAfter);
            after.assertGivenBack(before, heapBefore, heapAfter, HEAP_TOLERANCE_KIB, KILLS + " kills");

            // A guest that is not killed: served to the end on both devices.
            for (boolean scsi : new boolean[]{false, true}) {
                try (QemuGuest.Running running = guest(scsi).start()) {
                    awaitWrites(running, 5);
                    stop(scsi);
                    running.await().assertPassed();
                }
            }
            assertEquals(before, Footprint.settle(proc, GUEST_RAM, before, SETTLE_SECONDS),
                    "what the back end holds after the last guests left");
        }
    }

    String socket(String id) {
        return dir.resolve(id + ".sock").toString();
    }

    /** A guest writing numbered blocks to its one disk (test/guest/scripts/chaos.sh without a file system). */
    QemuGuest.Builder guest(boolean scsi) {
        String id = scsi ? "scsi" : "blk";
        return QemuGuest.builder("qemu-kill-" + id)
                .args("-chardev", "socket,id=c0,path=" + socket(id),
                        "-device", scsi ? "vhost-user-scsi-pci,chardev=c0" : "vhost-user-blk-pci,chardev=c0,num-queues=1")
                .script("chaos").param("raw", scsi ? "/dev/sda" : "/dev/vda").param("fs", "none");
    }

    /** Boots a guest, waits until its writes run, lets them run a little more, and SIGKILLs QEMU. */
    void killMidIo(ProcessResources backend, boolean scsi, Random random) throws Exception {
        try (QemuGuest.Running running = guest(scsi).start()) {
            awaitWrites(running, 2);
            Thread.sleep(random.nextInt(200));
            assertTrue(running.isAlive(), "the guest ended on its own:\n" + running.consoleSoFar());
            // What must be given back: the back end maps the guest's memory.
            assertTrue(backend.mappings(GUEST_RAM) > 0, "the back end maps no memfd:" + GUEST_RAM);
            running.kill();
        }
    }

    static void awaitWrites(QemuGuest.Running running, int writes) throws InterruptedException {
        assertTrue(running.waitForOutput("VT-ACK " + writes, Duration.ofSeconds(180)),
                "the guest did not get to write " + writes + ":\n" + running.consoleSoFar());
    }

    /** chaos.sh stops at "VT-STOP" in the 4 KiB after its 64 slots of 64 KiB. */
    void stop(boolean scsi) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(scsi ? "scsi.img" : "blk.img").toFile(), "rw")) {
            f.seek(64L * 65536);
            f.write("VT-STOP".getBytes(StandardCharsets.US_ASCII));
        }
    }
}
