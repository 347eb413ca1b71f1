package org.vhostvertx.storage;

import org.vhostvertx.device.DeviceException;
import org.vhostvertx.linux.Linux;
import org.vhostvertx.linux.LinuxException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes behind a disk (a blk device, a SCSI LUN): a raw image file (created sparse if absent),
 * or RAM (a memfd, so both go through the same preadv/pwritev path with no copy in between). An
 * image in RAM is also mapped for reading ({@link #mappedForRead}).
 */
public final class ImageStore implements AutoCloseable {

    private final int fd;
    private volatile long size;
    private final String description;
    /** The O_DIRECT alignment of offsets, buffers and lengths; 0 when the image is not opened direct. */
    private final int directAlignment;
    /** The image is in RAM (tmpfs, ramfs, a memfd): I/O on it copies memory and never waits for a disk. */
    private final boolean inMemory;
    /** Reads of an image on tmpfs or in a memfd come from this mapping where it holds data; else null. */
    private volatile ImageMapping mapping;

    private ImageStore(int fd, long size, String description, int directAlignment, boolean inMemory) {
        this.fd = fd;
        this.size = size;
        this.description = description;
        this.directAlignment = directAlignment;
        this.inMemory = inMemory;
        // ramfs is left out: its SEEK_HOLE sees no holes, so a read there could not tell them.
        if (inMemory && Linux.fileSystemType(fd) == Linux.TMPFS_MAGIC) {
            mapping = new ImageMapping(fd, size);
        }
    }

    /**
     * A regular file on tmpfs or ramfs. Not a device node: /dev is a tmpfs too (devtmpfs), and a
     * disk's node there is no RAM.
     */
    private static boolean inMemory(int fd) {
        long type = Linux.fileSystemType(fd);
        return (type == Linux.TMPFS_MAGIC || type == Linux.RAMFS_MAGIC) && Linux.isRegularFile(fd);
    }

    /**
     * True when the image is in RAM (a file on tmpfs or ramfs, or a RAM disk): reading or writing
     * it is a copy that does not wait for a device, so the disk engines do it on the worker at once.
     */
    public boolean inMemory() {
        return inMemory;
    }

    /**
     * The image mapped for reading when [offset, offset + len) holds data in RAM (see
     * {@link ImageMapping}); null when that range is read with preadv. A copy from it may still
     * fail (InternalError from a SIGBUS when the file was cut short behind our back,
     * IllegalStateException when the store closes or resizes meanwhile): then read with preadv.
     */
    public MemorySegment mappedForRead(long offset, long len) {
        ImageMapping m = mapping;
        return m == null ? null : m.readable(offset, len);
    }

    /** [offset, offset + len) was written (by pwritev on {@link #fd()}). */
    public void written(long offset, long len) {
        ImageMapping m = mapping;
        if (m != null) {
            m.written(offset, len);
        }
    }

    /**
     * fallocate on the image, telling its mapping that a hole may be punched; returns 0 or -errno.
     * Every fallocate of the disks goes through here.
     */
    public int tryFallocate(int mode, long offset, long len) {
        ImageMapping m = mapping;
        if (m != null) {
            m.deallocated(offset, len);
        }
        int rc = Linux.tryFallocate(fd, mode, offset, len);
        if (m != null) {
            // Again: a read between the first call and the punch may have found the chunk whole.
            m.deallocated(offset, len);
        }
        return rc;
    }

    /**
     * The byte QEMU locks for its "write" permission: an image we write is locked exclusively there
     * (an OFD lock), so a second writer (one of ours, in this process or another, or a QEMU that
     * opens it for writing) is refused instead of corrupting it. Read-only opens take no lock: they
     * share the image with each other and with its writer.
     */
    static final long WRITE_LOCK_BYTE = 101;

    /** An image file, locked for writing unless readOnly (see {@link #file(Path, long, boolean, boolean)}). */
    public static ImageStore file(Path path, long configuredSize, boolean readOnly) {
        return file(path, configuredSize, readOnly, true);
    }

    /**
     * An image file, created sparse at configuredSize if absent. Unless readOnly or locking is
     * false (an image shared on purpose, e.g. by a migration's destination), a write lock is taken
     * on it; one already held elsewhere refuses the open, naming the image.
     */
    public static ImageStore file(Path path, long configuredSize, boolean readOnly, boolean locking) {
        return file(path, configuredSize, readOnly, locking, false);
    }

    /**
     * As {@link #file(Path, long, boolean, boolean)}; with direct, the image is opened O_DIRECT
     * (QEMU's cache.direct=on): no page cache of the host between the guest and the disk. The file
     * system must take O_DIRECT with 512-byte file offsets, as a disk of 512-byte sectors needs.
     */
    public static ImageStore file(Path path, long configuredSize, boolean readOnly, boolean locking, boolean direct) {
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
            int fd;
            try {
                fd = Linux.open(path.toString(), flags | (direct ? Linux.O_DIRECT : 0), 0600);
            } catch (LinuxException e) {
                if (direct && e.errno() == Linux.EINVAL) {
                    throw new DeviceException("image " + path + ": its file system does not support O_DIRECT "
                            + "(\"direct\": true)", e);
                }
                throw e;
            }
            int alignment = 0;
            if (direct) {
                alignment = directAlignment(fd, path);
            }
            if (!readOnly && locking) {
                int rc = Linux.tryOfdLock(fd, Linux.F_WRLCK, WRITE_LOCK_BYTE, 1);
                if (rc != 0) {
                    Linux.close(fd);
                    throw new DeviceException("image " + path + " is open for writing elsewhere (its write lock is "
                            + "held: " + Linux.strerror(-rc) + "); set \"locking\": false only if sharing it is "
                            + "intended");
                }
            }
            if (!exists) {
                Linux.ftruncate(fd, configuredSize);
            }
            long size = Linux.fileSize(fd);
            if (size < 512) {
                Linux.close(fd);
                throw new DeviceException("image " + path + " has " + size + " bytes; a disk needs at least 512");
            }
            return new ImageStore(fd, size - size % 512, path.toString(), alignment, inMemory(fd));
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
        return new ImageStore(fd, size - size % 512, "ram", 0, true);
    }

    /** The alignment direct I/O on fd needs, at least 512; refuses a file whose offsets need more. */
    private static int directAlignment(int fd, Path path) {
        int[] dio = Linux.directIoAlignment(fd);
        if (dio == null) {
            return 512;
        }
        if (dio[1] == 0) {
            Linux.close(fd);
            throw new DeviceException("image " + path + ": its file system does not support O_DIRECT (\"direct\": true)");
        }
        if (dio[1] > 512) {
            Linux.close(fd);
            throw new DeviceException("image " + path + ": O_DIRECT there needs " + dio[1] + "-byte aligned offsets; "
                    + "\"direct\": true needs a file system that takes 512");
        }
        return Math.max(512, dio[0]);
    }

    /** The alignment O_DIRECT needs of offsets, buffers and lengths; 0 when the image is not direct. */
    public int directAlignment() {
        return directAlignment;
    }

    public int fd() {
        return fd;
    }

    public long size() {
        return size;
    }

    /** Grows or shrinks the store (a LUN resized by the operator). */
    public void resize(long bytes) {
        ImageMapping old = mapping;
        if (old != null) {
            mapping = null;
            old.close();
        }
        Linux.ftruncate(fd, bytes);
        size = bytes - bytes % 512;
        if (old != null) {
            mapping = new ImageMapping(fd, size);
        }
    }

    public String description() {
        return description;
    }

    @Override
    public void close() {
        ImageMapping m = mapping;
        if (m != null) {
            mapping = null;
            m.close();
        }
        Linux.close(fd);
    }
}
