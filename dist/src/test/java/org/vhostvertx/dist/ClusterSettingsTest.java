package org.vhostvertx.dist;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "cluster" object is checked like the rest of the configuration, and -cluster's Hazelcast
 * configuration is the shipped one (multicast off, TCP-IP join, short heartbeats) with the object's
 * name, members and port, the -cluster-host interface, and -D overrides.
 */
class ClusterSettingsTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty(ClusterSettings.CONFIG_PROPERTY);
        System.clearProperty("hazelcast.max.no.heartbeat.seconds");
    }

    static JsonObject withCluster(JsonObject cluster) {
        return ConfigurationTest.valid().put("cluster", cluster);
    }

    @Test
    void theShippedConfigurationJoinsByTcpIpOnLoopbackWithShortHeartbeats() {
        Config c = ClusterSettings.parse(ConfigurationTest.valid()).hazelcastConfig(null);
        JoinConfig join = c.getNetworkConfig().getJoin();
        assertFalse(join.getMulticastConfig().isEnabled());
        assertTrue(join.getTcpIpConfig().isEnabled());
        assertEquals(List.of("127.0.0.1"), join.getTcpIpConfig().getMembers());
        assertEquals("vhost-vertx", c.getClusterName());
        assertEquals(5701, c.getNetworkConfig().getPort());
        assertFalse(c.getNetworkConfig().getInterfaces().isEnabled());
        assertEquals("1", c.getProperty("hazelcast.heartbeat.interval.seconds"));
        assertEquals("5", c.getProperty("hazelcast.max.no.heartbeat.seconds"));
        assertEquals("false", c.getProperty("hazelcast.phone.home.enabled"));
        assertEquals(2, c.getMapConfig(NodeRegistry.MAP).getBackupCount());
    }

    @Test
    void theObjectsNameMembersAndPortAndTheClusterHostApply() {
        JsonObject cluster = new JsonObject().put("name", "rack1").put("port", 5801)
                .put("members", new JsonArray().add("10.0.0.1").add("10.0.0.2:5802"));
        ClusterSettings s = ClusterSettings.parse(withCluster(cluster));
        assertEquals(new ClusterSettings("rack1", List.of("10.0.0.1", "10.0.0.2:5802"), 5801), s);
        Config c = s.hazelcastConfig("127.0.0.1");
        assertEquals("rack1", c.getClusterName());
        assertEquals(5801, c.getNetworkConfig().getPort());
        assertEquals(List.of("10.0.0.1", "10.0.0.2:5802"), c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
        assertFalse(c.getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
        assertTrue(c.getNetworkConfig().getInterfaces().isEnabled());
        assertEquals(List.of("127.0.0.1"), List.copyOf(c.getNetworkConfig().getInterfaces().getInterfaces()));
        // Hazelcast's interfaces are addresses: a host name is resolved.
        assertEquals(List.of("127.0.0.1"), List.copyOf(s.hazelcastConfig("localhost").getNetworkConfig()
                .getInterfaces().getInterfaces()));
    }

    @Test
    void aHazelcastPropertyGivenWithDashDWinsOverTheFile() {
        System.setProperty("hazelcast.max.no.heartbeat.seconds", "15");
        assertEquals("15", ClusterSettings.parse(null).hazelcastConfig(null)
                .getProperty("hazelcast.max.no.heartbeat.seconds"));
    }

    @Test
    void vertxHazelcastConfigReplacesTheShippedFileAndTheObjectStillApplies() throws Exception {
        Path file = Files.writeString(dir.resolve("my-cluster.xml"), """
                <hazelcast xmlns="http://www.hazelcast.com/schema/config">
                  <cluster-name>mine</cluster-name>
                  <network><join><multicast enabled="false"/><tcp-ip enabled="true"><member>10.9.9.9</member></tcp-ip></join></network>
                </hazelcast>
                """);
        System.setProperty(ClusterSettings.CONFIG_PROPERTY, file.toString());
        Config c = ClusterSettings.parse(null).hazelcastConfig(null);
        assertEquals("mine", c.getClusterName());
        assertEquals(List.of("10.9.9.9"), c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
        assertEquals(null, c.getProperty("hazelcast.max.no.heartbeat.seconds"), "not the shipped file's");
        Config named = ClusterSettings.parse(withCluster(new JsonObject().put("name", "rack2"))).hazelcastConfig(null);
        assertEquals("rack2", named.getClusterName());
    }

    @Test
    void aMissingVertxHazelcastConfigFileIsRefused() {
        System.setProperty(ClusterSettings.CONFIG_PROPERTY, dir.resolve("none.xml").toString());
        assertEquals("-Dvertx.hazelcast.config=" + dir.resolve("none.xml") + ": no such file",
                assertThrows(ConfigException.class, () -> ClusterSettings.parse(null).hazelcastConfig(null)).getMessage());
    }

    @Test
    void anUnknownClusterHostIsRefused() {
        assertEquals("-cluster-host no-such-host.invalid is not a known host", assertThrows(ConfigException.class,
                () -> ClusterSettings.parse(null).hazelcastConfig("no-such-host.invalid")).getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"names\": \"x\"}             | cluster.names is not a field; did you mean \"name\"?",
            "{\"member\": [\"a\"]}          | cluster.member is not a field; did you mean \"members\"?",
            "{\"name\": \"a b\"}            | cluster.name must be 1 to 64 of A-Z a-z 0-9 _ . -, was \"a b\"",
            "{\"name\": 7}                  | cluster.name must be a non-empty string, was 7",
            "{\"members\": \"10.0.0.1\"}    | cluster.members must be a non-empty array of host or host:port strings",
            "{\"members\": []}              | cluster.members must be a non-empty array of host or host:port strings",
            "{\"members\": [\"a\", \"b c\"]}| cluster.members[1] must be a host or host:port, was b c",
            "{\"members\": [5]}             | cluster.members[0] must be a host or host:port, was 5",
            "{\"port\": 0}                  | cluster.port must be a whole number from 1 to 65535, was 0",
            "\"on\"                         | \"cluster\" must be an object with the fields members, name, port",
    })
    void aBadClusterObjectIsRefusedByName(String json, String message) {
        JsonObject c = ConfigurationTest.valid().put("cluster", Json.decodeValue(json));
        assertEquals(message, assertThrows(ConfigException.class,
                () -> Configuration.parse(c, ConfigurationTest.TYPES)).getMessage(), "checked with the configuration");
        assertEquals(message, assertThrows(ConfigException.class, () -> ClusterSettings.parse(c)).getMessage(),
                "and by the launcher");
    }

    @Test
    void theClusterObjectIsKeptInTheRunningConfiguration() {
        JsonObject cluster = new JsonObject().put("name", "rack1").put("members", new JsonArray().add("10.0.0.1"));
        Configuration c = Configuration.parse(withCluster(cluster), ConfigurationTest.TYPES);
        JsonObject running = c.withDevices(List.of());
        assertEquals(cluster, running.getJsonObject("cluster"));
        assertEquals(ClusterSettings.parse(withCluster(cluster)), ClusterSettings.parse(running));
    }
}
