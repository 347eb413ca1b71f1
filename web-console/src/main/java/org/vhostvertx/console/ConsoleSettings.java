package org.vhostvertx.console;

import io.vertx.core.json.JsonObject;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The console's part of the configuration: the top-level {@code "node"} and the {@code "console"}
 * object. The node's configuration checker validates the fields; this reads them with their
 * defaults.
 *
 * @param node           this node's name (the host name by default)
 * @param host           the address the console binds (loopback by default)
 * @param port           its port; 0 takes any free one
 * @param token          what every API call must carry
 * @param tokenGenerated whether the token was made at start (none configured)
 * @param readOnly       refuse every call that changes something
 * @param enabled        whether the node runs a console at all
 * @param metricsOpen    whether /metrics and /health are served without the token
 */
public record ConsoleSettings(String node, String host, int port, String token, boolean tokenGenerated,
                              boolean readOnly, boolean enabled, boolean metricsOpen) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    /** Reads the settings from a configuration holding {@code node} and {@code console}. */
    public static ConsoleSettings from(JsonObject config) {
        JsonObject c = config.getJsonObject("console", new JsonObject());
        String token = c.getString("token");
        boolean generated = token == null || token.isEmpty();
        return new ConsoleSettings(config.getString("node", defaultNode()), c.getString("host", DEFAULT_HOST),
                c.getInteger("port", DEFAULT_PORT), generated ? generateToken() : token, generated,
                c.getBoolean("readOnly", false), c.getBoolean("enabled", true), c.getBoolean("metricsOpen", true));
    }

    /** Whether a configuration asks for the console (it does unless {@code console.enabled} is false). */
    public static boolean enabled(JsonObject config) {
        JsonObject c = config == null ? null : config.getJsonObject("console");
        return c == null || c.getBoolean("enabled", true);
    }

    /** The node name when the configuration gives none: the host name. */
    public static String defaultNode() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** 128 random bits, URL-safe so it fits a fragment and a query parameter as it is. */
    static String generateToken() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The settings as they can be shown: everything but the token. */
    @Override
    public String toString() {
        return "ConsoleSettings[node=" + node + ", host=" + host + ", port=" + port + ", tokenGenerated="
                + tokenGenerated + ", readOnly=" + readOnly + ", enabled=" + enabled + ", metricsOpen=" + metricsOpen + "]";
    }
}
