package org.vhostvertx.dist;

/** A configuration the launcher refuses; the message names the field. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
