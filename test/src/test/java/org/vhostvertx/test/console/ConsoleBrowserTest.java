package org.vhostvertx.test.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.vhostvertx.test.frontend.Backend;
import org.vhostvertx.test.frontend.BackendProcess;
import org.vhostvertx.test.frontend.BlkDriver;
import org.vhostvertx.test.frontend.FrontEnd;
import org.vhostvertx.test.frontend.GuestRam;
import org.vhostvertx.test.frontend.RealClients;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vhostvertx.test.console.ConsoleClient.TOKEN;

/**
 * The console page in a real browser (Debian's chromium through chromedriver, headless): the
 * devices appear, counters and charts rise while our front end drives a disk, link-down on a net
 * port shows in its state and its event log, a disk added through the form serves our front end,
 * a wrong token shows the refusal, and the devices of two nodes of a cluster are listed and the
 * remote one acted on. Fails when chromium or chromedriver is missing, unless real
 * clients are waived ({@link RealClients}).
 */
class ConsoleBrowserTest {

    static final Path CHROMIUM = Path.of(System.getProperty("vhostvertx.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("vhostvertx.chromedriver", "/usr/bin/chromedriver"));
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String NODE = Backend.NODE;

    @TempDir
    static Path dir;
    static Backend backend;
    static WebDriver browser;
    static String url;

    static String missing() {
        List<String> missing = new ArrayList<>();
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                missing.add(p.toString());
            }
        }
        return missing.isEmpty() ? null : String.join(" and ", missing) + " missing (apt-get install chromium chromium-driver)";
    }

    static JsonObject disk(String id) {
        return new JsonObject().put("id", id).put("type", "blk").put("socket", dir.resolve(id + ".sock").toString())
                .put("ram", true).put("size", "4M");
    }

    @BeforeAll
    static void start() throws Exception {
        RealClients.require("the console's browser test (chromium, chromedriver)", missing());
        backend = Backend.start(ConsoleClient.config(new JsonObject(), disk("d0"), new JsonObject().put("id", "n0")
                .put("type", "net").put("port", "reflect").put("socket", dir.resolve("n0.sock").toString())));
        url = "http://127.0.0.1:" + backend.console().port() + "/";
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Headless, and as root chromium needs --no-sandbox.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1250");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(),
                options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static <T> T waitUntil(String what, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(browser, DEADLINE).withMessage(what)
                    .ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class)
                    .until(condition);
        } catch (RuntimeException e) {
            screenshot("console-failure.png");
            browser.manage().logs().get(LogType.BROWSER).forEach(entry -> System.err.println("browser: " + entry));
            throw e;
        }
    }

    static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    static long number(String css) {
        String t = text(css).replace(",", "").trim();
        return t.isEmpty() ? -1 : (long) Double.parseDouble(t);
    }

    /** Clicks what css finds, again if the page re-rendered it in between (rows are rebuilt on events). */
    static void click(String css) {
        waitUntil("to click " + css, d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    static String row(String id) {
        return "#devices tr[data-key=\"" + NODE + "/" + id + "\"]";
    }

    static void screenshot(String name) {
        try {
            Path target = Path.of("target", name);
            Files.createDirectories(target.getParent());
            Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } catch (Exception e) {
            System.err.println("no screenshot: " + e);
        }
    }

    /** Clicks an action button of the shown device and confirms it in the dialog. */
    static void act(String action) {
        click("#detail button[data-action=\"" + action + "\"]");
        waitUntil("the confirmation dialog", d -> d.findElement(By.id("confirm")).isDisplayed());
        click("#confirm-ok");
    }

    static void open(String fragment) {
        browser.get("about:blank");
        browser.get(url + fragment);
    }

    @Test
    void devicesTrafficActionsAndAnAddedDiskShowLive() throws Exception {
        browser.manage().logs().get(LogType.BROWSER); // what the other test's page logged goes
        open("#token=" + TOKEN);
        waitUntil("both devices listed", d -> !d.findElements(By.cssSelector(row("d0"))).isEmpty()
                && !d.findElements(By.cssSelector(row("n0"))).isEmpty());
        assertEquals(url, browser.getCurrentUrl(), "the token left the address bar");
        assertEquals("listening", text(row("d0") + " td.state"));
        assertEquals(dir.resolve("d0.sock").toString(), text(row("d0") + " td.socket"));
        waitUntil("the stream is live", d -> text("#live").equals("live"));
        click(row("d0"));
        waitUntil("d0's detail", d -> text("#detail h2").startsWith(NODE + "/d0"));

        // Our front end reads from d0 until told to stop; the page's counters and charts follow.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread traffic = Thread.ofPlatform().name("console-test-traffic").start(() -> {
            try (GuestRam ram = new GuestRam(0, 1 << 20);
                 FrontEnd fe = FrontEnd.start(dir.resolve("d0.sock"), ram, FrontEnd.Options.split())) {
                BlkDriver blk = new BlkDriver(fe.queue(0), ram);
                BlkDriver.Slot s = blk.slot(16384);
                while (!stop.get()) {
                    assertEquals(0, blk.read(s, done.get() % 256 * 32, 16384));
                    done.incrementAndGet();
                    Thread.sleep(1);
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        try {
            String requests = "#detail table.queues tr[data-queue=\"0\"] td.requests";
            long first = waitUntil("d0's requests counted", d -> number(requests) > 0 ? number(requests) : null);
            waitUntil("d0's requests rising", d -> number(requests) > first);
            waitUntil("d0 running", d -> text(row("d0") + " td.state").equals("running"));
            waitUntil("a request rate in the table", d -> number(row("d0") + " td.req") > 0);
            waitUntil("the requests/s chart has points above 0", d -> {
                WebElement chart = d.findElement(By.id("chart-requests"));
                return Integer.parseInt(chart.getDomAttribute("data-points")) >= 5
                        && Double.parseDouble(chart.getDomAttribute("data-max")) > 0;
            });
            waitUntil("the MB/s chart too", d -> Double.parseDouble(d.findElement(By.id("chart-mb"))
                    .getDomAttribute("data-max")) > 0);
            waitUntil("the connection in d0's event log", d -> !d.findElements(
                    By.cssSelector("#detail ol.events li[data-event=\"queue-started\"]")).isEmpty());
            screenshot("console.png");
        } finally {
            stop.set(true);
            traffic.join(30_000);
        }
        assertEquals(null, failed.get(), "the front end's reads");
        assertTrue(done.get() > 0);

        // link-down on the net port: the reply, the state and the event.
        click(row("n0"));
        waitUntil("n0's detail", d -> text("#detail h2").startsWith(NODE + "/n0"));
        act("link-down");
        waitUntil("the reply", d -> text("#message").equals("link-down on " + NODE + "/n0: {\"link\":\"down\"}"));
        waitUntil("n0's state says the link is down", d -> text(row("n0") + " td.state").endsWith("link down"));
        waitUntil("the action in n0's event log", d -> d.findElements(By.cssSelector(
                "#detail ol.events li[data-event=\"action\"]")).stream().anyMatch(e -> e.getText().contains("link-down")));
        waitUntil("the drop table", d -> d.findElements(By.cssSelector("#detail table.drops tr[data-reason]")).size() == 5);

        // A disk added through the form: its socket appears and our front end does I/O on it.
        new Select(browser.findElement(By.id("field-type"))).selectByValue("blk");
        Path socket = dir.resolve("added.sock");
        browser.findElement(By.id("field-id")).sendKeys("added");
        browser.findElement(By.id("field-socket")).sendKeys(socket.toString());
        browser.findElement(By.id("field-ram")).sendKeys("true");
        browser.findElement(By.id("field-size")).sendKeys("1M");
        browser.findElement(By.id("add-submit")).click();
        waitUntil("the reply", d -> text("#message").equals("added blk device added on node " + NODE));
        waitUntil("its row with its socket", d -> text(row("added") + " td.socket").equals(socket.toString()));
        assertTrue(Files.exists(socket));
        try (GuestRam ram = new GuestRam(0, 1 << 20);
             FrontEnd fe = FrontEnd.start(socket, ram, FrontEnd.Options.split())) {
            BlkDriver blk = new BlkDriver(fe.queue(0), ram);
            BlkDriver.Slot s = blk.slot(4096);
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x5a);
            assertEquals(0, blk.write(s, 0, data));
            assertEquals(0, blk.read(s, 0, 4096));
            assertArrayEquals(data, blk.data(s, 4096));
            click(row("added"));
            waitUntil("its two requests on the page", d -> number("#detail table.queues tr[data-queue=\"0\"] td.requests") == 2);
        }

        // And removed again, after the confirmation.
        act("remove");
        waitUntil("the reply", d -> text("#message").equals("removed " + NODE + "/added"));
        waitUntil("its row gone", d -> d.findElements(By.cssSelector(row("added"))).isEmpty());
        assertFalse(Files.exists(socket));

        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertEquals(List.of(), severe.stream().map(LogEntry::getMessage).toList(), "no errors in the page");
    }

    /**
     * Two nodes of a cluster: "remote", the runnable jar with -cluster, with a net port and nothing
     * published (no stats, no front end), and this JVM's node with its console and a disk. The page
     * lists the devices of both (the console knows "remote" from the cluster's node registry), and
     * link-down on the remote port reaches it: the reply, the state, the event, and the remote node
     * itself reports its link down.
     */
    @Test
    void devicesOfTwoNodesAndAnActionOnTheRemoteOne() throws Exception {
        int port = 7801 + ThreadLocalRandom.current().nextInt(100) * 10;
        JsonArray members = new JsonArray();
        for (int i = 0; i < 4; i++) {
            members.add("127.0.0.1:" + (port + i));
        }
        JsonObject cluster = new JsonObject().put("name", "browser-" + Long.toHexString(ThreadLocalRandom.current()
                .nextLong())).put("members", members).put("port", port);
        Path remoteDir = Files.createDirectories(dir.resolve("remote"));
        JsonObject remoteConfig = new JsonObject().put("node", "remote").put("workers", 1).put("statsMillis", 0)
                .put("console", new JsonObject().put("enabled", false)).put("cluster", cluster)
                .put("devices", new JsonArray().add(new JsonObject().put("id", "rn").put("type", "net")
                        .put("port", "reflect").put("socket", remoteDir.resolve("rn.sock").toString())));
        try (BackendProcess remote = BackendProcess.start(BackendProcess.jar(),
                List.of("--sun-misc-unsafe-memory-access=allow", "-Xmx256m"), remoteConfig,
                List.of("-cluster", "-cluster-host", "127.0.0.1"), remoteDir);
             Backend here = Backend.startClustered(ConsoleClient.config(new JsonObject(), disk("local0"))
                     .put("cluster", cluster))) {
            String hereUrl = "http://127.0.0.1:" + here.console().port() + "/";
            browser.get("about:blank");
            browser.get(hereUrl + "#token=" + TOKEN);
            String local = "#devices tr[data-key=\"" + NODE + "/local0\"]";
            String remoteRow = "#devices tr[data-key=\"remote/rn\"]";
            waitUntil("the devices of both nodes listed", d -> !d.findElements(By.cssSelector(local)).isEmpty()
                    && !d.findElements(By.cssSelector(remoteRow)).isEmpty());
            assertEquals("listening", text(remoteRow + " td.state"));
            assertEquals(remoteDir.resolve("rn.sock").toString(), text(remoteRow + " td.socket"));
            waitUntil("the stream is live", d -> text("#live").equals("live"));

            click(remoteRow);
            waitUntil("rn's detail", d -> text("#detail h2").startsWith("remote/rn"));
            act("link-down");
            waitUntil("the remote node's reply", d -> text("#message").equals("link-down on remote/rn: {\"link\":\"down\"}"));
            waitUntil("rn's state says the link is down", d -> text(remoteRow + " td.state").endsWith("link down"));
            waitUntil("the remote action in rn's event log", d -> d.findElements(By.cssSelector(
                    "#detail ol.events li[data-event=\"action\"]")).stream().anyMatch(e -> e.getText().contains("link-down")));
            // Done on the remote node, not here: it says so itself, and this node's disk is untouched.
            JsonObject report = here.request("vhost.node.remote", new JsonObject().put("action", "devices"));
            assertEquals("down", report.getJsonArray("devices").getJsonObject(0).getJsonObject("info").getString("link"));
            assertEquals("listening", text(local + " td.state"));
        }
    }

    @Test
    void aWrongTokenShowsTheRefusalAndTheRightOneEntersThroughTheForm() {
        open("#token=not-the-token");
        waitUntil("the refusal", d -> text("#message").equals("the console refused (401): wrong token"));
        assertTrue(browser.findElement(By.id("message")).getDomAttribute("class").contains("error"));
        assertTrue(browser.findElement(By.id("token-input")).getDomAttribute("class").contains("invalid"));
        assertTrue(browser.findElements(By.cssSelector(row("d0"))).isEmpty(), "nothing listed");

        browser.findElement(By.id("token-input")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#token-form button")).click();
        waitUntil("the devices with the right token", d -> !d.findElements(By.cssSelector(row("d0"))).isEmpty());
        assertFalse(browser.findElement(By.id("token-input")).getDomAttribute("class").contains("invalid"));
    }
}
