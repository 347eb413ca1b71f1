package org.vhostvertx.device;

/** A request the device refuses: a wrong configuration value, a config-space write it does not allow. */
public class DeviceException extends RuntimeException {
    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
