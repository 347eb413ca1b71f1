package org.vhostvertx.dist;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/** What the jar runs with no configuration: one 1 GiB blk disk on a sparse image under ./vhost-data/. */
final class DefaultConfiguration {

    static final Path DATA = Path.of("vhost-data");

    private DefaultConfiguration() {
    }

    static JsonObject create() {
        Path dir = DATA.toAbsolutePath();
        return new JsonObject()
                .put("workers", 1)
                .put("devices", new JsonArray().add(new JsonObject()
                        .put("id", "disk0")
                        .put("type", "blk")
                        .put("socket", dir.resolve("disk0.sock").toString())
                        .put("mode", "server")
                        .put("image", dir.resolve("disk0.img").toString())
                        .put("size", "1G")));
    }

    /** The QEMU options that attach a guest to the default disk. */
    static String qemuOptions(String socket) {
        return String.join(" \\\n    ",
                "qemu-system-x86_64 -m 1G",
                "-object memory-backend-memfd,id=mem,size=1G,share=on -numa node,memdev=mem",
                "-chardev socket,id=disk0,path=" + socket,
                "-device vhost-user-blk-pci,chardev=disk0,num-queues=1",
                "... (your kernel or disk image options)");
    }
}
