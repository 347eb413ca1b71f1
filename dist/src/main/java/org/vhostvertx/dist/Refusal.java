package org.vhostvertx.dist;

/**
 * A request on the node's address that is refused: the failure code the requester gets (400 a bad
 * request, 404 no such device, 409 an id or socket in use) and the reason.
 */
final class Refusal extends RuntimeException {

    private final int code;

    private Refusal(int code, String reason) {
        super(reason);
        this.code = code;
    }

    static Refusal badRequest(String reason) {
        return new Refusal(400, reason);
    }

    static Refusal notFound(String reason) {
        return new Refusal(404, reason);
    }

    static Refusal conflict(String reason) {
        return new Refusal(409, reason);
    }

    int code() {
        return code;
    }
}
