package org.vhostvertx.protocol;

/**
 * A request the back end refuses. Fatal ones leave the stream in a state we cannot trust (a bad
 * header, a request that needed a reply we cannot give): the connection closes.
 */
final class ProtocolException extends RuntimeException {

    private final boolean fatal;

    ProtocolException(String message, boolean fatal) {
        super(message);
        this.fatal = fatal;
    }

    static ProtocolException refuse(String message) {
        return new ProtocolException(message, false);
    }

    static ProtocolException fatal(String message) {
        return new ProtocolException(message, true);
    }

    boolean fatal() {
        return fatal;
    }
}
