package org.vhostvertx.net;

import io.vertx.core.json.JsonObject;

/**
 * Makes the {@link NetApp} of a {@code "port": "app"} device whose configuration names it with
 * {@code "app": NAME}, so that an application shipped as a jar serves app ports without code of
 * its own to call {@link AppPorts#register} before the node starts. The net plugin finds providers
 * with {@link java.util.ServiceLoader}, like the node finds device plugins: list the class in
 * {@code META-INF/services/org.vhostvertx.net.NetAppProvider} and put the jar on the class path.
 * A provider needs a public constructor without arguments.
 *
 * <p>Settings of the application's own go in the device's {@code "appConfig"} object: the node
 * passes it on without looking inside (any other unknown field of the entry is refused), so the
 * provider checks it and refuses what is wrong.
 *
 * <pre>{@code
 * public final class MirrorProvider implements NetAppProvider {
 *     public String name() { return "mirror"; }
 *     public NetApp create(String deviceId, JsonObject config) {
 *         JsonObject own = config.getJsonObject("appConfig", new JsonObject());
 *         Object burst = own.getValue("burst", 32);
 *         if (!(burst instanceof Integer b) || b < 1 || b > 256) {
 *             throw new DeviceException(""burst" must be 1..256, was " + burst);
 *         }
 *         return new Mirror(b);
 *     }
 * }
 * // with the device {"id": "app0", "type": "net", "port": "app", "app": "mirror",
 * //                  "appConfig": {"burst": 64}, "socket": ...}
 * }</pre>
 */
public interface NetAppProvider {

    /**
     * The name a device's {@code "app"} gives to pick this provider. Two providers of one name on
     * the class path make that name unusable (a device naming it is refused, naming both classes).
     */
    String name();

    /**
     * A new application for the device deviceId, whose configuration entry config is (a copy: what
     * the application changes in it is not the node's). Called while the node makes the device, on
     * its event loop, so it must not block; each device gets its own call. A
     * {@link org.vhostvertx.device.DeviceException} refuses the device with its message.
     */
    NetApp create(String deviceId, JsonObject config);
}
