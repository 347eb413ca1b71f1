package org.vhostvertx.memory;

/** An address or length from the front end that does not lie inside the guest's memory. */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }
}
