package org.vhostvertx.test.cluster;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.device.lifecycle.Addresses;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.DriverRing;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three processes of the runnable jar on loopback, started with {@code -cluster} and a "cluster"
 * object, form one cluster; the test's JVM joins it as a small clustered Vert.x (a lite member) and
 * uses only the event-bus contract, as the web console does. Node b has a net reflect port, driven
 * by our Java front end, and a blk disk with the same id as node a's. The steps run in order and
 * share the processes: a remote node's devices listed and controlled; b killed (gone within 10 s,
 * actions failing within the 5 s request timeout); b restarted (live again, its devices back); c
 * frozen (gone within 10 s, by heartbeats alone); b stopped (gone at once); a second "a" refused
 * naming both; another cluster name not joining.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    static final int HDR = 12;
    /** What the launcher script adds with -cluster (bin/run), and a small heap each. */
    static final List<String> JVM = List.of("--sun-misc-unsafe-memory-access=allow", "-Xmx256m", "-XX:+UseSerialGC");
    static final List<String> CLUSTER = List.of("-cluster", "-cluster-host", "127.0.0.1");

    @TempDir
    static Path dir;

    JsonObject cluster;
    ClusterMember member;
    List<JsonObject> events;
    List<JsonObject> stats;
    BackendProcess a;
    BackendProcess b;
    BackendProcess c;
    final AtomicLong earlyTook = new AtomicLong();

    /** A Hazelcast port range of our own, so another cluster on this machine is not in the way. */
    JsonObject cluster(String name) {
        int port = 5801 + ThreadLocalRandom.current().nextInt(100) * 10;
        JsonArray members = new JsonArray();
        for (int i = 0; i < 6; i++) {
            members.add("127.0.0.1:" + (port + i));
        }
        return new JsonObject().put("name", name).put("members", members).put("port", port);
    }

    /** A node of cluster; no web console (each would want port 8080 of this one machine). */
    JsonObject config(String node, JsonObject cluster, int statsMillis, JsonObject... devices) {
        return new JsonObject().put("node", node).put("workers", 1).put("pollMicros", 0)
                .put("statsMillis", statsMillis).put("console", new JsonObject().put("enabled", false))
                .put("cluster", cluster).put("devices", new JsonArray(List.of(devices)));
    }

    Path socket(String node, String id) throws Exception {
        return Files.createDirectories(dir.resolve(node)).resolve(id + ".sock");
    }

    JsonObject disk(String node, String id) throws Exception {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", socket(node, id).toString())
                .put("ram", true).put("size", "1M");
    }

    /** a runs a web console (on any free port), as a node does by default. */
    JsonObject configA() throws Exception {
        return config("a", cluster, 0, disk("a", "d")).put("console", new JsonObject().put("port", 0));
    }

    JsonObject configB() throws Exception {
        return config("b", cluster, 1000, new JsonObject().put("id", "n").put("type", "net").put("port", "reflect")
                .put("socket", socket("b", "n").toString()).put("mac", "52:54:00:00:00:01"), disk("b", "d"));
    }

    BackendProcess start(JsonObject config) throws Exception {
        return BackendProcess.start(BackendProcess.jar(), JVM, config, CLUSTER, dir);
    }

    @BeforeAll
    void startTheCluster() throws Exception {
        cluster = cluster("it-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        // a first: the cluster's first member. Then b and c join it, and the test's lite member.
        a = start(configA());
        String started = a.log();
        assertFalse(started.contains("WARNING"), "a -cluster start (with a console) prints no warning:\n" + started);
        assertTrue(started.contains("console of node a on 127.0.0.1:"), started);
        BackendProcess[] bc = new BackendProcess[2];
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                bc[1] = start(config("c", cluster, 0));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        b = start(configB());
        other.join();
        c = bc[1];
        assertNotNull(c, "c started");
        member = ClusterMember.join(cluster);
        events = member.published(Addresses.EVENTS);
        stats = member.published(Addresses.STATS);
    }

    @AfterAll
    void stopTheCluster() throws Exception {
        for (BackendProcess p : new BackendProcess[]{b, c, a}) {
            if (p != null) {
                p.close();
            }
        }
        if (member != null) {
            member.close();
        }
    }

    static JsonObject devices(ClusterMember member, String node) throws Exception {
        return member.request(Addresses.node(node), new JsonObject().put("action", "devices"));
    }

    static List<String> ids(JsonObject report) {
        return report.getJsonArray("devices").stream().map(JsonObject.class::cast).map(d -> d.getString("id")).toList();
    }

    static JsonObject device(JsonObject report, String id) {
        return report.getJsonArray("devices").stream().map(JsonObject.class::cast)
                .filter(d -> d.getString("id").equals(id)).findFirst().orElseThrow();
    }

    /** Waits (up to seconds) for what to hold, asking again every 50 ms; returns the time it took in ms. */
    static long await(int seconds, String what, Check check) throws Exception {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.holds()) {
            assertTrue(System.nanoTime() < deadline, what + " not within " + seconds + " s");
            Thread.sleep(50);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static boolean any(List<JsonObject> published, Predicate<JsonObject> test) {
        return published.stream().anyMatch(test);
    }

    static Predicate<JsonObject> event(String event, String node) {
        return e -> event.equals(e.getString("event")) && node.equals(e.getString("node"));
    }

    @Test
    @Order(1)
    void theThreeNodesAreLiveInTheRegistry() throws Exception {
        JsonArray nodes = member.nodes();
        assertEquals(List.of("a", "b", "c"), nodes.stream().map(JsonObject.class::cast).map(n -> n.getString("node"))
                .toList(), nodes.encodePrettily());
        List<String> addresses = new ArrayList<>();
        for (Object o : nodes) {
            JsonObject n = (JsonObject) o;
            assertTrue(n.getBoolean("live"), n.encode());
            assertNull(n.getValue("goneSince"), n.encode());
            assertTrue(n.getString("address").matches("127\\.0\\.0\\.1:\\d+"), n.encode());
            addresses.add(n.getString("address"));
        }
        assertEquals(3, addresses.stream().distinct().count(), addresses.toString());
        // The test's lite member and the three nodes.
        assertEquals(4, member.members().size(), member.members().toString());
    }

    @Test
    @Order(2)
    void aRemoteNodesDevicesAreListedAndControlled() throws Exception {
        // b's devices, asked from here (another member of the cluster), and a's "d" is not b's "d".
        JsonObject report = devices(member, "b");
        assertEquals("b", report.getString("node"));
        assertEquals(List.of("n", "d"), ids(report));
        assertEquals(List.of("d"), ids(devices(member, "a")));
        assertEquals(List.of(), ids(devices(member, "c")));

        // Cluster-wide consumers where b's device and protocol verticle talk to each other with Java
        // objects: those messages are local only, so none may come here (they cannot be encoded for
        // the wire, and the device would break if one tried).
        List<Object> decoyDevice = member.decoy(Addresses.device("n"));
        List<Object> decoyConnection = member.decoy(Addresses.connection("n"));

        try (GuestRam ram = new GuestRam(0, 8 << 20);
             FrontEnd fe = FrontEnd.start(socket("b", "n"), ram, FrontEnd.Options.split().withQueues(3))) {
            Port port = new Port(fe, ram);
            port.postRx(8);
            byte[] f = frame(200, 1);
            port.send(f);
            assertArrayEquals(swapped(f), port.receive(), "b's reflect port answers before link-down");
            await(20, "b reporting its port running", () -> device(devices(member, "b"), "n").getString("state")
                    .equals("running"));

            JsonObject down = member.request(Addresses.control("b", "n"), new JsonObject().put("action", "link-down"));
            assertEquals(new JsonObject().put("link", "down"), down);
            await(20, "b's action event on vhost.events", () -> any(events, e -> event("action", "b").test(e)
                    && "n".equals(e.getString("device")) && "link-down".equals(e.getString("action"))));

            // The front end's frame is now dropped, and b counts it where the cluster sees it.
            port.send(frame(100, 2));
            await(20, "b counting the frame as dropped for link down", () -> device(devices(member, "b"), "n")
                    .getJsonObject("info").getJsonObject("drops").getLong("linkDown") == 1);
            assertEquals("down", device(devices(member, "b"), "n").getJsonObject("info").getString("link"));
            assertNull(fe.queue(0).ring.pollUsed(), "nothing came back to the front end while the link is down");

            assertEquals(new JsonObject().put("link", "up"),
                    member.request(Addresses.control("b", "n"), new JsonObject().put("action", "link-up")));
            byte[] g = frame(300, 3);
            port.send(g);
            assertArrayEquals(swapped(g), port.receive(), "b's port answers again after link-up");
        }
        await(20, "b's disconnected event", () -> any(events, e -> event("disconnected", "b").test(e)));
        assertEquals(List.of(), decoyDevice, "a lifecycle message of b crossed the cluster");
        assertEquals(List.of(), decoyConnection, "a back-end message of b crossed the cluster");
        await(20, "b's counters on vhost.stats", () -> any(stats, s -> "b".equals(s.getString("node"))
                && "n".equals(s.getString("device"))));
    }

    @Test
    @Order(3)
    void aKilledNodeIsGoneWithin10sAndActionsOnItsDevicesFailWithin5s() throws Exception {
        assertTrue(b.alive());
        // Measured from before the kill: the process's own death counts against the bound.
        long killed = System.nanoTime();
        b.kill();

        // An action sent at once, before the cluster knows: it fails, by the request timeout at the latest.
        long sent = System.nanoTime();
        CompletableFuture<JsonObject> early = member.send(Addresses.control("b", "n"),
                new JsonObject().put("action", "link-down"));
        early.whenComplete((r, e) -> earlyTook.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)));

        // Meanwhile, the registry as any node answers it (a request that lands on b times out in 0.5 s).
        await(15, "b shown gone", () -> !member.node("b").getBoolean("live") && any(events, event("node-left", "b")));
        long gone = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        System.out.println("b was shown gone " + gone + " ms after SIGKILL");
        assertTrue(gone <= 10_000, "b shown gone after " + gone + " ms");

        ExecutionException failed = assertThrows(ExecutionException.class, () -> early.get(20, TimeUnit.SECONDS));
        assertFailsClearly((ReplyException) failed.getCause(), Addresses.control("b", "n"), earlyTook.get());

        JsonObject entry = member.node("b");
        assertEquals("lost", entry.getString("reason"), entry.encode());
        assertNotNull(entry.getLong("goneSince"), entry.encode());
        JsonObject left = events.stream().filter(event("node-left", "b")).findFirst().orElseThrow();
        assertEquals("lost", left.getString("reason"), left.encode());
        assertEquals(1, events.stream().filter(event("node-left", "b")).count(), "one node-left, from one survivor");
        assertTrue(member.node("a").getBoolean("live") && member.node("c").getBoolean("live"));

        // Once it is gone, an action fails at once: nobody answers for b's device any more.
        long again = System.nanoTime();
        ReplyException late = assertThrows(ReplyException.class, () -> member.request(Addresses.control("b", "n"),
                new JsonObject().put("action", "link-up")));
        assertFailsClearly(late, Addresses.control("b", "n"), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again));
        assertThrows(ReplyException.class, () -> devices(member, "b"));
    }

    /**
     * A failure within the 5 s request timeout (plus 1 s for the timer itself to fire on a busy
     * machine), saying either that nobody answers at the address or that the node did not answer.
     */
    static void assertFailsClearly(ReplyException e, String address, long took) {
        System.out.println("an action for " + address + " failed after " + took + " ms: " + e.failureType() + " "
                + e.getMessage());
        assertTrue(took <= ClusterMember.REQUEST_TIMEOUT_MILLIS + 1000, "failed after " + took + " ms");
        if (e.failureType() == ReplyFailure.NO_HANDLERS) {
            assertTrue(e.getMessage().contains(address), e.getMessage());
        } else {
            assertEquals(ReplyFailure.TIMEOUT, e.failureType(), e.getMessage());
        }
    }

    @Test
    @Order(4)
    void aRestartedNodeIsLiveAgainWithItsDevices() throws Exception {
        if (b.alive()) {
            b.kill();
        }
        String before = member.node("b").getString("address");
        int joined = (int) events.stream().filter(event("node-joined", "b")).count();
        b = start(configB());
        await(20, "b live again", () -> member.node("b").getBoolean("live")
                && events.stream().filter(event("node-joined", "b")).count() > joined);
        JsonObject entry = member.node("b");
        assertNull(entry.getValue("goneSince"), entry.encode());
        System.out.println("b came back at " + entry.getString("address") + " (was " + before + ")");
        assertEquals(List.of("n", "d"), ids(devices(member, "b")));
        assertEquals(new JsonObject().put("link", "down"),
                member.request(Addresses.control("b", "n"), new JsonObject().put("action", "link-down")));
        assertEquals("down", device(devices(member, "b"), "n").getJsonObject("info").getString("link"));
    }

    @Test
    @Order(5)
    void aFrozenNodeIsGoneWithin10sToo() throws Exception {
        // SIGSTOP: its connections stay open and it says nothing, as when its machine hangs or the
        // network is cut; only the missing heartbeats tell (hazelcast.max.no.heartbeat.seconds 5).
        long frozen = System.nanoTime();
        c.signal("STOP");
        try {
            await(15, "c shown gone", () -> !member.node("c").getBoolean("live") && any(events, event("node-left", "c")));
            long gone = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozen);
            System.out.println("c was shown gone " + gone + " ms after SIGSTOP");
            assertTrue(gone <= 10_000, "c shown gone after " + gone + " ms");
            assertEquals("lost", member.node("c").getString("reason"));
        } finally {
            c.kill();
        }
    }

    @Test
    @Order(6)
    void aStoppedNodeIsGoneAtOnce() throws Exception {
        b.close();
        assertTrue(b.log().contains("node b serves 2 device(s) in a cluster"), b.log());
        // Said by b itself as it stopped, before its member left.
        JsonObject entry = member.node("b");
        assertFalse(entry.getBoolean("live"), entry.encode());
        assertEquals("stopped", entry.getString("reason"), entry.encode());
        await(20, "b's node-left", () -> any(events, e -> event("node-left", "b").test(e)
                && "stopped".equals(e.getString("reason"))));
        assertTrue(member.node("a").getBoolean("live"));
    }

    @Test
    @Order(7)
    void aSecondNodeWithALiveNodesNameIsRefusedNamingBoth() throws Exception {
        String holder = member.node("a").getString("address");
        JsonObject again = config("a", cluster, 0, disk("a2", "d"));
        BackendProcess.Exit exit = BackendProcess.run(BackendProcess.jar(), JVM, again, CLUSTER, dir);
        assertNotEquals(0, exit.code(), exit.output());
        Matcher m = Pattern.compile("node \"a\" at (127\\.0\\.0\\.1:\\d+) is refused because \"a\" already runs at "
                + Pattern.quote(holder) + "\n").matcher(exit.output());
        assertTrue(m.find(), exit.output());
        assertNotEquals(holder, m.group(1));
        assertFalse(Files.exists(socket("a2", "d")), "the refused node served no device");
        // The refused one was never a node: a is still the one and only "a".
        JsonObject entry = member.node("a");
        assertTrue(entry.getBoolean("live"), entry.encode());
        assertEquals(holder, entry.getString("address"));
        assertEquals(List.of("d"), ids(devices(member, "a")));
    }

    @Test
    @Order(8)
    void aNodeWithAnotherClusterNameDoesNotJoin() throws Exception {
        JsonObject elsewhere = cluster.copy().put("name", cluster.getString("name") + "-other");
        try (BackendProcess d = start(config("d", elsewhere, 0, disk("d", "x")))) {
            assertTrue(d.log().contains("node d serves 1 device(s) in a cluster"), d.log());
            assertTrue(d.log().contains("Members {size:1, ver:1}"), "d is alone in its cluster:\n" + d.log());
            // Node c joined this way and was listed; d is not, nor does anyone answer for it here.
            assertNull(member.node("d"), member.nodes().encodePrettily());
            ReplyException none = assertThrows(ReplyException.class, () -> devices(member, "d"));
            assertEquals(ReplyFailure.NO_HANDLERS, none.failureType(), none.getMessage());
            assertEquals(2, member.members().size(), "a and the test's member: " + member.members());
        }
    }

    // Our Java front end on a reflect port: receive buffers on queue 0, frames sent on queue 1.

    static byte[] frame(int length, long seed) {
        byte[] f = new byte[length];
        new Random(seed).nextBytes(f);
        System.arraycopy(new byte[]{0x52, 0x54, 0, 0, 0, 0x01}, 0, f, 0, 6);
        System.arraycopy(new byte[]{0x52, 0x54, 0, 0, 0, 0x02}, 0, f, 6, 6);
        return f;
    }

    static byte[] swapped(byte[] f) {
        byte[] s = f.clone();
        System.arraycopy(f, 6, s, 0, 6);
        System.arraycopy(f, 0, s, 6, 6);
        return s;
    }

    static final class Port {
        final FrontEnd fe;
        final GuestRam ram;
        final Map<Integer, Long> rxBufs = new HashMap<>();
        final long rxArea;

        Port(FrontEnd fe, GuestRam ram) {
            this.fe = fe;
            this.ram = ram;
            this.rxArea = ram.alloc(64 * 2048, 4096);
        }

        void postRx(int count) {
            for (int i = 0; i < count; i++) {
                long gpa = rxArea + (long) rxBufs.size() * 2048;
                rxBufs.put(fe.queue(0).ring.add(DriverRing.Buf.out(gpa, 2048)), gpa);
            }
            fe.queue(0).kickIfNeeded();
        }

        void send(byte[] frame) {
            long gpa = ram.alloc(HDR + frame.length, 16);
            ram.write(gpa + HDR, frame);
            fe.queue(1).ring.add(DriverRing.Buf.in(gpa, HDR + frame.length));
            fe.queue(1).kickIfNeeded();
        }

        byte[] receive() throws Exception {
            DriverRing.Used u = fe.queue(0).awaitUsed(10_000);
            return ram.read(rxBufs.remove(u.id()) + HDR, u.len() - HDR);
        }
    }
}
