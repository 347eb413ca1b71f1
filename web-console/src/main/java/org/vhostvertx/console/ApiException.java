package org.vhostvertx.console;

/** A refusal the API answers with an HTTP status and {@code {"error": reason}}. */
final class ApiException extends RuntimeException {

    private final int status;

    ApiException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
