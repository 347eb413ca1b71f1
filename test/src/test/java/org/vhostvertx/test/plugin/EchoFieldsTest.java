package org.vhostvertx.test.plugin;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vhostvertx.test.frontend.Backend;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A third party's device type declares its fields, and the back end refuses a misspelt one as for ours. */
class EchoFieldsTest {

    @TempDir
    Path dir;

    JsonObject echo() {
        return new JsonObject().put("id", "e").put("type", "echo").put("socket", dir.resolve("echo.sock").toString());
    }

    @Test
    void aMisspeltEchoFieldIsRefused() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> Backend.start(Backend.config(echo().put("greting", "hello"))).close());
        assertEquals("configuration refused: devices[0].greting is not a field; did you mean \"greeting\"?",
                e.getCause().getMessage());
    }

    @Test
    void theDeclaredEchoFieldIsTaken() {
        assertDoesNotThrow(() -> Backend.start(Backend.config(echo().put("greeting", "hello"))).close());
    }
}
