package org.vhostvertx.dist;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import org.vhostvertx.device.ConfigFields;
import org.vhostvertx.device.DeviceException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configuration's top-level {@code "cluster"} object, checked like the rest, and the Hazelcast
 * configuration {@code -cluster} starts with: the shipped {@code cluster.xml} (multicast off, TCP-IP
 * join to 127.0.0.1, one-second heartbeats, a member gone after five silent seconds), or the file
 * {@code -Dvertx.hazelcast.config} names, with this object's name, members and port on top, the
 * interface of {@code -cluster-host}, and {@code -Dhazelcast.*} system properties over the file's
 * properties.
 *
 * @param name    the Hazelcast cluster name: a member with another name does not join; null keeps the file's
 * @param members the TCP-IP members to join ({@code "10.0.0.1"} or {@code "10.0.0.1:5701"}); empty keeps the file's
 * @param port    the first Hazelcast port (the next free one above is taken); 0 keeps the file's (5701)
 */
public record ClusterSettings(String name, List<String> members, int port) {

    /** The fields of the "cluster" object. */
    static final Set<String> FIELDS = Set.of("name", "members", "port");
    /** The system property that names another Hazelcast configuration file (Vert.x's). */
    public static final String CONFIG_PROPERTY = "vertx.hazelcast.config";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern MEMBER = Pattern.compile("[^\\s,]{1,255}");

    /** The "cluster" object of config (null or absent: every field keeps the file's value). */
    public static ClusterSettings parse(JsonObject config) {
        try {
            return read(config == null ? null : config.getValue("cluster"));
        } catch (DeviceException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static ClusterSettings read(Object value) {
        if (value == null) {
            return new ClusterSettings(null, List.of(), 0);
        }
        if (!(value instanceof JsonObject cluster)) {
            throw new ConfigException("\"cluster\" must be an object with the fields " + String.join(", ",
                    new java.util.TreeSet<>(FIELDS)));
        }
        ConfigFields.onlyKnown(cluster, "cluster", FIELDS);
        String name = ConfigFields.string(cluster, "cluster", "name", null);
        if (name != null && !NAME.matcher(name).matches()) {
            throw new ConfigException("cluster.name must be 1 to 64 of A-Z a-z 0-9 _ . -, was \"" + name + "\"");
        }
        List<String> members = new ArrayList<>();
        Object m = cluster.getValue("members");
        if (m != null) {
            if (!(m instanceof JsonArray array) || array.isEmpty()) {
                throw new ConfigException("cluster.members must be a non-empty array of host or host:port strings");
            }
            for (int i = 0; i < array.size(); i++) {
                if (!(array.getValue(i) instanceof String s) || !MEMBER.matcher(s).matches()) {
                    throw new ConfigException("cluster.members[" + i + "] must be a host or host:port, was "
                            + array.getValue(i));
                }
                members.add(s);
            }
        }
        int port = ConfigFields.integer(cluster, "cluster", "port", 0, 1, 65535);
        return new ClusterSettings(name, List.copyOf(members), port);
    }

    /**
     * The Hazelcast configuration for these settings; clusterHost (the launcher's -cluster-host,
     * null when not given) becomes the one interface Hazelcast uses. A missing
     * {@code -Dvertx.hazelcast.config} file or an unknown host is a {@link ConfigException}.
     */
    public Config hazelcastConfig(String clusterHost) {
        String file = System.getProperty(CONFIG_PROPERTY);
        if (file != null && !file.startsWith("classpath:") && !Files.isRegularFile(Path.of(file))) {
            throw new ConfigException("-D" + CONFIG_PROPERTY + "=" + file + ": no such file");
        }
        // The property's file, else cluster.xml on the class path: ours, shipped in the jar.
        Config config = ConfigUtil.loadConfig();
        if (config == null) {
            throw new ConfigException("the Hazelcast configuration " + (file == null ? "cluster.xml" : file)
                    + " could not be read");
        }
        // A -Dhazelcast.x=y given on the command line wins over the file's property x.
        for (String property : config.getProperties().stringPropertyNames()) {
            String given = System.getProperty(property);
            if (given != null) {
                config.setProperty(property, given);
            }
        }
        if (name != null) {
            config.setClusterName(name);
        }
        NetworkConfig network = config.getNetworkConfig();
        if (port != 0) {
            network.setPort(port);
        }
        if (!members.isEmpty()) {
            network.getJoin().getMulticastConfig().setEnabled(false);
            network.getJoin().getAutoDetectionConfig().setEnabled(false);
            TcpIpConfig tcpIp = network.getJoin().getTcpIpConfig();
            tcpIp.setEnabled(true).setMembers(members);
        }
        if (clusterHost != null) {
            String ip;
            try {
                ip = InetAddress.getByName(clusterHost).getHostAddress();
            } catch (UnknownHostException e) {
                throw new ConfigException("-cluster-host " + clusterHost + " is not a known host");
            }
            network.getInterfaces().setEnabled(true).setInterfaces(List.of(ip));
        }
        return config;
    }
}
