package org.vhostvertx.test.guest;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Boots a small Linux guest in QEMU (TCG) that runs one check script of the guest test kit in
 * {@code test/guest} against devices given by the caller, typically a vhost-user device served by
 * the back end under test.
 *
 * <p>The guest is the host's Debian kernel ({@code /boot/vmlinuz-<ver>}) with a busybox initramfs
 * built by {@code test/guest/build-initramfs.sh} (once per JVM, in a temporary directory). Its
 * {@code /init} runs {@code /scripts/<script>.sh}, where every kernel parameter {@code vt.<name>=
 * <value>} is available as the shell variable {@code VT_<NAME>}. The scripts print one line per check,
 * {@code VT-OK <what>} or {@code VT-FAIL <what>: <detail>}, and init ends with {@code VT-DONE
 * rc=<exit code>} and a power-off. Guest RAM is a shared memfd, as vhost-user requires.
 *
 * <pre>{@code
 * assumeTrue(QemuGuest.available(), QemuGuest.unavailableReason());
 * QemuGuest.Result r = QemuGuest.builder("blk-split-1q")
 *     .script("blk")
 *     .param("size", 1L << 30)
 *     .args("-chardev", "socket,id=c0,path=" + socket,
 *           "-device", "vhost-user-blk-pci,chardev=c0,num-queues=1")
 *     .run();
 * r.assertPassed();
 * }</pre>
 *
 * <p>The console of every run is written to {@code test/target/guest-logs/<name>.log} (QEMU's own
 * stderr is merged into it). Only the JDK is used.
 *
 * <p>Overrides (system property / environment variable):
 *
 * <ul>
 *   <li>{@code vhostvertx.qemu} / {@code VT_QEMU}: the qemu-system-x86_64 binary
 *   <li>{@code vhostvertx.guest.kernelVersion} / {@code VT_KERNEL_VERSION}: kernel version to boot
 *   <li>{@code vhostvertx.guest.timeoutScale} / {@code VT_GUEST_TIMEOUT_SCALE}: factor applied to
 *       every timeout (e.g. 2 on a slow machine)
 *   <li>{@code vhostvertx.guest.accel} / {@code VT_GUEST_ACCEL}: QEMU accelerator (default tcg)
 * </ul>
 */
public final class QemuGuest {

  /** Default time from QEMU start to the {@code VT-DONE} line. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);

  /** Time QEMU gets to exit by itself after {@code VT-DONE} before it is killed. */
  private static final Duration EXIT_GRACE = Duration.ofSeconds(30);

  private static final String BUILD_SCRIPT = "test/guest/build-initramfs.sh";
  private static final Pattern DONE = Pattern.compile("VT-DONE rc=(-?\\d+)");
  private static final Pattern CHECK = Pattern.compile("VT-(?:OK|FAIL) .*");
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  private static Path initramfs;
  private static volatile Path initramfsDir;
  private static boolean hookInstalled;

  private QemuGuest() {}

  // ---------------------------------------------------------------- environment

  /** Whether guests can be started: QEMU, a kernel with modules and the kit were found. */
  public static boolean available() {
    return unavailableReason() == null;
  }

  /** Why {@link #available()} is false, or {@code null} if it is true. */
  public static String unavailableReason() {
    if (qemuBinary() == null) {
      return "qemu-system-x86_64 not found (install qemu-system-x86)";
    }
    if (kernelVersion() == null) {
      return "no readable /boot/vmlinuz-<ver> with /lib/modules/<ver>/modules.dep"
          + " (install linux-image-amd64)";
    }
    if (findRepoRoot() == null) {
      return BUILD_SCRIPT + " not found above " + Paths.get("").toAbsolutePath();
    }
    if (findOnPath("busybox") == null) {
      return "busybox not found (install busybox-static)";
    }
    return null;
  }

  /** The qemu-system-x86_64 binary, or {@code null}. */
  public static Path qemuBinary() {
    String override = setting("vhostvertx.qemu", "VT_QEMU");
    if (override != null) {
      Path p = Paths.get(override);
      return Files.isExecutable(p) ? p : null;
    }
    return findOnPath("qemu-system-x86_64");
  }

  /**
   * The kernel version booted: the override, else the highest version that has both a readable
   * {@code /boot/vmlinuz-<ver>} and {@code /lib/modules/<ver>/modules.dep}; {@code null} if none.
   */
  public static String kernelVersion() {
    String override = setting("vhostvertx.guest.kernelVersion", "VT_KERNEL_VERSION");
    if (override != null) {
      return usableKernel(override) ? override : null;
    }
    File[] dirs = new File("/lib/modules").listFiles(File::isDirectory);
    if (dirs == null) {
      return null;
    }
    String best = null;
    for (File d : dirs) {
      String v = d.getName();
      if (usableKernel(v) && (best == null || compareVersions(v, best) > 0)) {
        best = v;
      }
    }
    return best;
  }

  /** The kernel image booted by the guests. */
  public static Path kernel() {
    String v = kernelVersion();
    if (v == null) {
      throw new IllegalStateException(unavailableReason());
    }
    return Paths.get("/boot/vmlinuz-" + v);
  }

  /** The repository root (the directory containing {@code test/guest/build-initramfs.sh}). */
  public static Path repoRoot() {
    Path root = findRepoRoot();
    if (root == null) {
      throw new IllegalStateException(
          BUILD_SCRIPT + " not found in " + Paths.get("").toAbsolutePath() + " or above");
    }
    return root;
  }

  /**
   * The initramfs, built on first use by {@code build-initramfs.sh} into a temporary directory that
   * is removed when the JVM exits.
   */
  public static synchronized Path initramfs() throws IOException, InterruptedException {
    if (initramfs != null) {
      return initramfs;
    }
    installHook();
    Path root = repoRoot();
    String kver = kernelVersion();
    if (kver == null) {
      throw new IllegalStateException(unavailableReason());
    }
    initramfsDir = Files.createTempDirectory("vhost-vertx-guest-");
    Path out = initramfsDir.resolve("initramfs.cpio.gz");
    ProcessBuilder pb =
        new ProcessBuilder("bash", root.resolve(BUILD_SCRIPT).toString(), out.toString(), kver)
            .directory(root.toFile())
            .redirectErrorStream(true);
    Process p = pb.start();
    LIVE.add(p);
    try {
      p.getOutputStream().close();
      String output;
      try (InputStream in = p.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(scaled(Duration.ofMinutes(5)).toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException("build-initramfs.sh timed out:\n" + output);
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(out)) {
        throw new IOException(
            "build-initramfs.sh failed with exit " + p.exitValue() + ":\n" + output);
      }
    } finally {
      LIVE.remove(p);
    }
    initramfs = out;
    return out;
  }

  /** Starts describing a guest run; {@code name} names the log file. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  // ---------------------------------------------------------------- builder

  /** Describes one guest run. */
  public static final class Builder {
    private final String name;
    private String script;
    private final Map<String, String> params = new LinkedHashMap<>();
    // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss its
    // ticks and panic at boot ("IO-APIC + timer doesn't work"); the emulated timer is fine.
    private final List<String> kernelArgs = new ArrayList<>(List.of("quiet", "no_timer_check"));
    private final List<String> args = new ArrayList<>();
    private int memoryMiB = 256;
    private int smp = 1;
    private Duration timeout = DEFAULT_TIMEOUT;
    private String accel;
    private Path logDir;
    private Path hostChannel;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** The script to run: {@code test/guest/scripts/<script>.sh} (kernel parameter vt.script). */
    public Builder script(String script) {
      this.script = Objects.requireNonNull(script, "script");
      return this;
    }

    /**
     * A script parameter: kernel parameter {@code vt.<key>=<value>}, in the script {@code
     * VT_<KEY>}. Values must not contain white space.
     */
    public Builder param(String key, Object value) {
      String v = String.valueOf(value);
      if (!key.matches("[A-Za-z0-9_.-]+") || v.isEmpty() || v.matches(".*\\s.*")) {
        throw new IllegalArgumentException("bad guest parameter " + key + "=" + v);
      }
      params.put(key, v);
      return this;
    }

    /** A raw kernel command line argument (e.g. {@code loglevel=7}). */
    public Builder kernelArg(String arg) {
      kernelArgs.add(arg);
      return this;
    }

    /** Removes the default {@code quiet} kernel argument (full kernel log on the console). */
    public Builder verboseKernel() {
      kernelArgs.remove("quiet");
      return this;
    }

    /** Extra QEMU arguments, e.g. {@code "-chardev", "socket,...", "-device", "..."}. */
    public Builder args(String... more) {
      args.addAll(List.of(more));
      return this;
    }

    /** Extra QEMU arguments. */
    public Builder args(List<String> more) {
      args.addAll(more);
      return this;
    }

    /** Guest RAM in MiB (default 256); always a shared memfd. */
    public Builder memoryMiB(int mib) {
      this.memoryMiB = mib;
      return this;
    }

    /** Number of guest CPUs (default 1); virtio-blk uses min(num-queues, CPUs) queues. */
    public Builder smp(int cpus) {
      this.smp = cpus;
      return this;
    }

    /** Time from QEMU start to {@code VT-DONE} (default 180 s, times the timeout scale). */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** QEMU accelerator (default tcg, or the vhostvertx.guest.accel override). */
    public Builder accel(String accel) {
      this.accel = accel;
      return this;
    }

    /**
     * A second serial port, the guest's ttyS1, on a Unix socket QEMU serves at {@code socket}:
     * {@link Running#tell} writes lines there, and a script reads them with {@code listen_host}
     * and {@code host_said} (_lib.sh). The host's only way to tell a running guest something, such
     * as that it has migrated.
     */
    public Builder hostChannel(Path socket) {
      this.hostChannel = Objects.requireNonNull(socket);
      return this;
    }

    /** Directory for the console log (default {@code <repo>/test/target/guest-logs}). */
    public Builder logDir(Path dir) {
      this.logDir = dir;
      return this;
    }

    /** The kernel command line this run uses. */
    public String kernelCommandLine() {
      if (script == null) {
        throw new IllegalStateException("script not set");
      }
      StringBuilder sb = new StringBuilder("console=ttyS0 panic=-1");
      for (String a : kernelArgs) {
        sb.append(' ').append(a);
      }
      sb.append(" vt.script=").append(script);
      params.forEach((k, v) -> sb.append(" vt.").append(k).append('=').append(v));
      return sb.toString();
    }

    /** The full QEMU command line (builds the initramfs if needed). */
    public List<String> command() throws IOException, InterruptedException {
      Path qemu = qemuBinary();
      if (qemu == null) {
        throw new IllegalStateException(unavailableReason());
      }
      String acc = accel != null ? accel : setting("vhostvertx.guest.accel", "VT_GUEST_ACCEL");
      List<String> cmd = new ArrayList<>();
      Collections.addAll(
          cmd,
          qemu.toString(),
          "-nodefaults",
          "-no-user-config",
          "-accel",
          acc != null ? acc : "tcg",
          "-smp",
          Integer.toString(smp),
          "-m",
          memoryMiB + "M",
          "-object",
          "memory-backend-memfd,id=mem,size=" + memoryMiB + "M,share=on",
          "-numa",
          "node,memdev=mem",
          "-display",
          "none",
          "-serial",
          "stdio",
          "-no-reboot",
          "-kernel",
          kernel().toString(),
          "-initrd",
          initramfs().toString(),
          "-append",
          kernelCommandLine());
      if (hostChannel != null) {
        Collections.addAll(
            cmd,
            "-chardev",
            "socket,id=vthost,path=" + hostChannel + ",server=on,wait=off",
            "-device",
            "isa-serial,chardev=vthost");
      }
      cmd.addAll(args);
      return cmd;
    }

    /** Starts QEMU; the returned handle waits for the result. */
    public Running start() throws IOException, InterruptedException {
      List<String> cmd = command();
      Path dir = logDir != null ? logDir : repoRoot().resolve("test/target/guest-logs");
      Files.createDirectories(dir);
      Path log = dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
      installHook();
      return new Running(name, cmd, log, scaled(timeout), hostChannel);
    }

    /** Starts QEMU and waits for the guest to finish (or the timeout). */
    public Result run() throws IOException, InterruptedException {
      try (Running r = start()) {
        return r.await();
      }
    }
  }

  // ---------------------------------------------------------------- running guest

  /** A started guest. Closing it kills QEMU if it still runs. */
  public static final class Running implements AutoCloseable {
    private final String name;
    private final Path log;
    private final Duration timeout;
    private final Path hostChannel;
    /** Guards toGuest; not the console's lock, which the pump thread needs while tell waits. */
    private final Object channelLock = new Object();
    private SocketChannel toGuest;
    private final Process process;
    private final Thread pump;
    private final long startNanos;
    private final StringBuilder console = new StringBuilder();
    private Integer doneRc;
    private boolean eof;
    private IOException pumpError;
    private Result result;

    private Running(String name, List<String> cmd, Path log, Duration timeout, Path hostChannel)
        throws IOException {
      this.name = name;
      this.log = log;
      this.timeout = timeout;
      this.hostChannel = hostChannel;
      Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
      w.write("# " + String.join(" ", cmd) + "\n");
      w.flush();
      this.startNanos = System.nanoTime();
      try {
        this.process =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
      } catch (IOException e) {
        w.close();
        throw e;
      }
      LIVE.add(process);
      this.pump = Thread.ofPlatform().daemon().name("qemu-guest-" + name).start(() -> pump(w));
    }

    private void pump(Writer w) {
      char[] buf = new char[8192];
      int scanFrom = 0;
      try (w;
          Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          w.write(buf, 0, n);
          w.flush();
          synchronized (this) {
            console.append(buf, 0, n);
            if (doneRc == null) {
              // only complete lines are scanned, so "VT-DONE rc=1" is not read as rc=1 of "rc=12"
              int end = console.lastIndexOf("\n");
              if (end > scanFrom) {
                Matcher m = DONE.matcher(console).region(scanFrom, end);
                if (m.find()) {
                  doneRc = Integer.parseInt(m.group(1));
                }
                scanFrom = end;
              }
            }
            notifyAll();
          }
        }
      } catch (IOException e) {
        synchronized (this) {
          pumpError = e;
        }
      } finally {
        synchronized (this) {
          if (doneRc == null) {
            Matcher m = DONE.matcher(console);
            if (m.find(Math.max(0, scanFrom))) {
              doneRc = Integer.parseInt(m.group(1));
            }
          }
          eof = true;
          notifyAll();
        }
      }
    }

    /** The guest's name (log file name). */
    public String name() {
      return name;
    }

    /** The console log file. */
    public Path log() {
      return log;
    }

    /** QEMU's process id. */
    public long pid() {
      return process.pid();
    }

    /** Whether QEMU still runs. */
    public boolean isAlive() {
      return process.isAlive();
    }

    /** The console output so far. */
    public synchronized String consoleSoFar() {
      return console.toString();
    }

    /**
     * Waits until the console contains {@code text} (e.g. {@code "VT-OK mkfs"}); returns false if
     * QEMU's output ended or the time ran out first.
     */
    public synchronized boolean waitForOutput(String text, Duration maxWait)
        throws InterruptedException {
      long deadline = System.nanoTime() + scaled(maxWait).toNanos();
      while (console.indexOf(text) < 0) {
        long left = deadline - System.nanoTime();
        if (eof || left <= 0) {
          return console.indexOf(text) >= 0;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }

    /**
     * Writes line to the guest's host channel (see {@link Builder#hostChannel}). The connection
     * stays open until {@link #close}: QEMU reads from it only as fast as the serial port's FIFO
     * empties, and a closed connection could lose what it has not read yet.
     */
    public void tell(String line) throws IOException, InterruptedException {
      if (hostChannel == null) {
        throw new IllegalStateException("guest " + name + " has no host channel");
      }
      synchronized (channelLock) {
        long deadline = System.nanoTime() + scaled(Duration.ofSeconds(10)).toNanos();
        while (toGuest == null) {
          try {
            toGuest = SocketChannel.open(UnixDomainSocketAddress.of(hostChannel));
          } catch (IOException e) {
            // QEMU creates the socket at start: wait for it
            if (System.nanoTime() > deadline) {
              throw e;
            }
            Thread.sleep(100);
          }
        }
        ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          toGuest.write(b);
        }
      }
    }

    /** Kills QEMU (SIGKILL) now. */
    public void kill() {
      process.destroyForcibly();
    }

    /** Waits for {@code VT-DONE} up to the run's timeout, then for QEMU to exit. */
    public Result await() throws InterruptedException {
      if (result != null) {
        return result;
      }
      long deadline = startNanos + timeout.toNanos();
      boolean timedOut = false;
      synchronized (this) {
        while (doneRc == null && !eof) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            timedOut = true;
            break;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      }
      if (timedOut) {
        process.destroyForcibly();
      } else if (!process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly(); // VT-DONE seen but the power-off did not end QEMU
      }
      process.waitFor();
      pump.join(TimeUnit.SECONDS.toMillis(10));
      LIVE.remove(process);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
      String text;
      Integer rc;
      synchronized (this) {
        text = console.toString();
        rc = doneRc;
        if (pumpError != null) {
          text += "\n[QemuGuest: reading console failed: " + pumpError + "]\n";
        }
      }
      if (timedOut) {
        appendToLog("\n[QemuGuest: timeout after " + timeout.toSeconds() + " s, QEMU killed]\n");
      }
      result =
          new Result(
              name,
              rc == null ? -1 : rc,
              timedOut,
              process.exitValue(),
              text,
              matching(text, CHECK),
              log,
              elapsed);
      return result;
    }

    private void appendToLog(String s) {
      try {
        Files.writeString(log, s, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException e) {
        // the log is a convenience; the result carries the text
      }
    }

    @Override
    public void close() {
      synchronized (channelLock) {
        if (toGuest != null) {
          try {
            toGuest.close();
          } catch (IOException e) {
            // QEMU is going anyway
          }
        }
      }
      if (process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      LIVE.remove(process);
    }
  }

  // ---------------------------------------------------------------- result

  /**
   * Outcome of a guest run.
   *
   * @param name the run's name
   * @param exitCode the script's exit code from {@code VT-DONE rc=N}, or -1 if there was none
   * @param timedOut whether the timeout expired (QEMU was killed)
   * @param qemuExitStatus QEMU's exit status (0 after a normal guest power-off)
   * @param console the whole console output (with QEMU's stderr)
   * @param checks the {@code VT-OK ...} and {@code VT-FAIL ...} lines in order
   * @param log the log file
   * @param elapsed time from QEMU start to its exit
   */
  public record Result(
      String name,
      int exitCode,
      boolean timedOut,
      int qemuExitStatus,
      String console,
      List<String> checks,
      Path log,
      Duration elapsed) {

    public Result {
      checks = List.copyOf(checks);
    }

    /** The {@code VT-OK ...} lines. */
    public List<String> okLines() {
      return checks.stream().filter(l -> l.startsWith("VT-OK ")).toList();
    }

    /** The {@code VT-FAIL ...} lines. */
    public List<String> failLines() {
      return checks.stream().filter(l -> l.startsWith("VT-FAIL ")).toList();
    }

    /** Whether the check {@code VT-OK <what>} was reported (prefix match on what). */
    public boolean ok(String what) {
      return okLines().stream().anyMatch(l -> l.startsWith("VT-OK " + what));
    }

    /** The script finished with exit code 0 and no check failed. */
    public boolean passed() {
      return !timedOut && exitCode == 0 && failLines().isEmpty();
    }

    /** Throws an {@link AssertionError} with a summary and the console tail unless passed. */
    public void assertPassed() {
      if (!passed()) {
        throw new AssertionError(summary() + "\n--- console (tail) ---\n" + tail(console, 60));
      }
    }

    /** One-line description of the outcome. */
    public String summary() {
      String what =
          timedOut
              ? "timed out"
              : exitCode < 0 ? "ended without VT-DONE (qemu exit " + qemuExitStatus + ")"
                  : "rc=" + exitCode;
      List<String> f = failLines();
      return "guest " + name + ": " + what
          + (f.isEmpty() ? "" : ", " + String.join("; ", f))
          + " (" + elapsed.toMillis() / 1000.0 + " s, log " + log + ")";
    }
  }

  // ---------------------------------------------------------------- helpers

  private static List<String> matching(String text, Pattern p) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\r?\n|\r")) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        out.add(m.group().strip());
      }
    }
    return out;
  }

  private static String tail(String text, int lines) {
    String[] all = text.split("\r?\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.asList(all).subList(from, all.length));
  }

  private static boolean usableKernel(String v) {
    return Files.isReadable(Paths.get("/boot/vmlinuz-" + v))
        && Files.isReadable(Paths.get("/lib/modules", v, "modules.dep"));
  }

  /** Compares version strings numerically where both sides have digits ("6.10" > "6.9"). */
  static int compareVersions(String a, String b) {
    String[] x = a.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
    String[] y = b.split("(?<=\\d)(?=\\D)|(?<=\\D)(?=\\d)");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c;
      if (x[i].matches("\\d+") && y[i].matches("\\d+")) {
        c = new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i]));
      } else {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  private static Path findRepoRoot() {
    for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve(BUILD_SCRIPT))) {
        return p;
      }
    }
    return null;
  }

  private static Path findOnPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      path = "/usr/local/bin:/usr/bin:/bin";
    }
    // sbin directories are often missing from a non-root PATH
    for (String dir : (path + ":/usr/local/sbin:/usr/sbin:/sbin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Paths.get(dir, exe);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p;
      }
    }
    return null;
  }

  private static String setting(String property, String env) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? null : v.strip();
  }

  /** {@code d} times the timeout scale setting. */
  public static Duration scaled(Duration d) {
    String s = setting("vhostvertx.guest.timeoutScale", "VT_GUEST_TIMEOUT_SCALE");
    if (s == null) {
      return d;
    }
    try {
      double f = Double.parseDouble(s);
      return f > 0 ? Duration.ofMillis((long) (d.toMillis() * f)) : d;
    } catch (NumberFormatException e) {
      return d;
    }
  }

  private static synchronized void installHook() {
    if (hookInstalled) {
      return;
    }
    hookInstalled = true;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Process p : LIVE) {
                    p.destroyForcibly();
                  }
                  Path dir = initramfsDir;
                  if (dir != null) {
                    try (Stream<Path> s = Files.walk(dir)) {
                      s.sorted(Comparator.reverseOrder()).forEach(QemuGuest::deleteQuietly);
                    } catch (IOException | UncheckedIOException e) {
                      // best effort
                    }
                  }
                },
                "qemu-guest-cleanup"));
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // best effort
    }
  }
}
