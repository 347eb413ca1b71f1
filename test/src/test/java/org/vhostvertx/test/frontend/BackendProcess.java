package org.vhostvertx.test.frontend;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Our back end as its own process, started from the runnable jar exactly as a user starts it, so a
 * test can kill it (SIGKILL) and start it again.
 */
public final class BackendProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private BackendProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The runnable jar, built by the dist module before this module's tests run. */
    public static Path jar() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("dist/target/vhost-vertx.jar"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("dist/target/vhost-vertx.jar not found: build the dist module first");
        }
        return p.resolve("dist/target/vhost-vertx.jar");
    }

    /** Starts the jar with this configuration and waits until socket exists and accepts. */
    public static BackendProcess start(JsonObject config, Path workDir, Path socket) throws IOException, InterruptedException {
        return start(jar(), config, workDir, socket);
    }

    /** As above with another build of the jar (benchmarks compare two builds in one run). */
    public static BackendProcess start(Path jar, JsonObject config, Path workDir, Path socket)
            throws IOException, InterruptedException {
        return start(jar, System.getenv("BACKEND_JVM_OPTS"), config, workDir, socket);
    }

    /** As above with extra JVM options (space-separated; null for none), e.g. a profiler agent. */
    public static BackendProcess start(Path jar, String jvmOptions, JsonObject config, Path workDir, Path socket)
            throws IOException, InterruptedException {
        List<String> jvm = jvmOptions == null || jvmOptions.isBlank() ? List.of()
                : List.of(jvmOptions.trim().split("\\s+"));
        return start(jar, jvm, config, List.of(), workDir);
    }

    /**
     * The jar with JVM options, this configuration and more launcher arguments after {@code -conf}
     * (e.g. {@code -cluster -cluster-host 127.0.0.1}); waits up to 60 s until it has deployed.
     */
    public static BackendProcess start(Path jar, List<String> jvmOptions, JsonObject config, List<String> launcherArgs,
                                       Path workDir) throws IOException, InterruptedException {
        BackendProcess b = launch(jar, jvmOptions, config, launcherArgs, workDir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(b.log).contains("Succeeded in deploying")) {
            if (!b.process.isAlive() || System.nanoTime() > deadline) {
                String how = b.process.isAlive() ? "within 60 s" : "(exit status " + b.process.exitValue() + ")";
                b.process.destroyForcibly();
                throw new IOException("back end did not start " + how + ":\n" + Files.readString(b.log));
            }
            Thread.sleep(50);
        }
        return b;
    }

    /** How a run of the jar ended: its exit code and everything it printed. */
    public record Exit(int code, String output) {
    }

    /** Runs the jar as {@link #start(Path, List, JsonObject, List, Path)} does, until it exits (at most 60 s). */
    public static Exit run(Path jar, List<String> jvmOptions, JsonObject config, List<String> launcherArgs,
                           Path workDir) throws IOException, InterruptedException {
        BackendProcess b = launch(jar, jvmOptions, config, launcherArgs, workDir);
        if (!b.process.waitFor(60, TimeUnit.SECONDS)) {
            b.process.destroyForcibly();
            throw new IOException("back end still runs after 60 s:\n" + Files.readString(b.log));
        }
        return new Exit(b.process.exitValue(), Files.readString(b.log));
    }

    private static BackendProcess launch(Path jar, List<String> jvmOptions, JsonObject config, List<String> launcherArgs,
                                         Path workDir) throws IOException {
        Path conf = Files.writeString(Files.createTempFile(workDir, "conf", ".json"), config.encodePrettily());
        Path log = Files.createTempFile(workDir, "backend", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString(), "-conf", conf.toString()));
        cmd.addAll(launcherArgs);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(log.toFile()).directory(workDir.toFile()).start();
        return new BackendProcess(p, log);
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** Sends a signal by name (e.g. "STOP": the process freezes, as when its machine hangs, until "CONT"). */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** SIGKILL: no shutdown hook, no cleanup, like a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
