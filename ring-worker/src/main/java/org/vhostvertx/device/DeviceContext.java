package org.vhostvertx.device;

/** What the framework offers a device: its identity and a way to reach the driver. */
public interface DeviceContext {

    /** The configured id of the device. */
    String id();

    /** Tells the driver that the config space changed (vhost-user CONFIG_CHANGE_MSG). */
    void configChanged();
}
