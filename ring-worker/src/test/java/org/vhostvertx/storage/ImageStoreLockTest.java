package org.vhostvertx.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.device.DeviceException;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two writers on one image are refused; readers share it; "locking": false opts out. */
class ImageStoreLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondWriterIsRefusedNamingTheImageUntilTheFirstCloses() {
        Path image = dir.resolve("disk.img");
        try (ImageStore first = ImageStore.file(image, 1 << 20, false)) {
            DeviceException e = assertThrows(DeviceException.class, () -> ImageStore.file(image, 1 << 20, false));
            assertTrue(e.getMessage().contains(image.toString()) && e.getMessage().contains("open for writing elsewhere"),
                    e.getMessage());
        }
        assertDoesNotThrow(() -> ImageStore.file(image, 1 << 20, false).close(), "free again once closed");
    }

    @Test
    void readOnlyOpensShareTheImageWithEachOtherAndItsWriter() {
        Path image = dir.resolve("disk.img");
        try (ImageStore writer = ImageStore.file(image, 1 << 20, false);
             ImageStore r1 = ImageStore.file(image, 0, true);
             ImageStore r2 = ImageStore.file(image, 0, true)) {
            assertTrue(r1.fd() >= 0 && r2.fd() >= 0 && writer.fd() >= 0);
        }
    }

    @Test
    void lockingFalseSharesOnPurpose() {
        Path image = dir.resolve("disk.img");
        try (ImageStore first = ImageStore.file(image, 1 << 20, false)) {
            assertDoesNotThrow(() -> ImageStore.file(image, 1 << 20, false, false).close());
        }
    }
}
