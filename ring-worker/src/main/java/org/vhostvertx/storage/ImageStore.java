package org.vhostvertx.storage;

import org.vhostvertx.device.DeviceException;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes behind a disk (a blk device, a SCSI LUN): a raw image file (created sparse if absent),
 * or RAM (a memfd, so both go through the same preadv/pwritev path with no copy in between).
 */
public final class ImageStore implements AutoCloseable {

    private final int fd;
    private volatile long size;
    private final String description;

    private ImageStore(int fd, long size, String description) {
        this.fd = fd;
        this.size = size;
        this.description = description;
    }

    public static ImageStore file(Path path, long configuredSize, boolean readOnly) {
        try {
            boolean exists = Files.exists(path);
            if (!exists) {
                if (configuredSize <= 0) {
                    throw new DeviceException("image " + path + " does not exist and no \"size\" is configured");
                }
                if (readOnly) {
                    throw new DeviceException("image " + path + " does not exist; a read-only disk needs an existing image");
                }
                Path parent = path.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
            }
            int flags = (readOnly ? Linux.O_RDONLY : Linux.O_RDWR | Linux.O_CREAT) | Linux.O_CLOEXEC;
            int fd = Linux.open(path.toString(), flags, 0600);
            if (!exists) {
                Linux.ftruncate(fd, configuredSize);
            }
            long size = Linux.fileSize(fd);
            if (size < 512) {
                Linux.close(fd);
                throw new DeviceException("image " + path + " has " + size + " bytes; a disk needs at least 512");
            }
            return new ImageStore(fd, size - size % 512, path.toString());
        } catch (IOException e) {
            throw new DeviceException("image " + path + ": " + e.getMessage(), e);
        } catch (LinuxException e) {
            throw new DeviceException("image " + path + ": " + e.getMessage(), e);
        }
    }

    public static ImageStore ram(long size) {
        if (size < 512) {
            throw new DeviceException("\"size\" of a RAM disk must be at least 512 bytes, was " + size);
        }
        int fd = Linux.memfdCreate("vhost-vertx-ram-disk", Linux.MFD_CLOEXEC);
        Linux.ftruncate(fd, size);
        return new ImageStore(fd, size - size % 512, "ram");
    }

    public int fd() {
        return fd;
    }

    public long size() {
        return size;
    }

    /** Grows or shrinks the store (a LUN resized by the operator). */
    public void resize(long bytes) {
        Linux.ftruncate(fd, bytes);
        size = bytes - bytes % 512;
    }

    public String description() {
        return description;
    }

    @Override
    public void close() {
        Linux.close(fd);
    }
}
