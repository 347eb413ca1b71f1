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
        Path conf = Files.writeString(Files.createTempFile(workDir, "conf", ".json"), config.encodePrettily());
        Path log = Files.createTempFile(workDir, "backend", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        if (jvmOptions != null && !jvmOptions.isBlank()) {
            cmd.addAll(List.of(jvmOptions.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-jar", jar.toString(), "-conf", conf.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(log.toFile()).directory(workDir.toFile()).start();
        BackendProcess b = new BackendProcess(p, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("Succeeded in deploying")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException("back end did not start:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return b;
    }

    public long pid() {
        return process.pid();
    }

    public String log() throws IOException {
        return Files.readString(log);
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
