package io.esm4j.redis;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;

/**
 * A real Redis Cluster for one test class: three redis-server 6.2 masters on 127.0.0.1 and free ports, without
 * replicas or persistence, the 16,384 slots split between them. Register it as a static {@code @RegisterExtension}
 * field; it starts before the class's first test and stops after its last, whether tests failed or not.
 */
public final class LocalRedisCluster implements BeforeAllCallback, AfterAllCallback {

    private static final int NODES = 3;
    private static final int SLOTS = 16_384;
    private static final Duration FORMING = Duration.ofSeconds(60);

    private final List<RedisServer> servers = new ArrayList<>();
    /** A plain connection to each node, for setting the cluster up and moving slots. */
    private final List<RedisCommands<String, String>> nodes = new ArrayList<>();
    private final List<RedisClient> nodeClients = new ArrayList<>();
    private final List<StatefulRedisClusterConnection<String, String>> connections = new ArrayList<>();
    private @Nullable Path directory;
    private @Nullable RedisClusterClient client;
    private int classesRunning;

    @Override
    public synchronized void beforeAll(ExtensionContext context) throws IOException {
        if (classesRunning++ > 0) {
            return;
        }
        directory = Files.createTempDirectory("esm4j-redis-cluster");
        Path configs = directory;
        for (int i = 0; i < NODES; i++) {
            // Each node writes its view of the cluster to a file of its own.
            servers.add(RedisProcesses.start(port -> RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("save \"\"").setting("appendonly no")
                    .setting("cluster-enabled yes").setting("cluster-node-timeout 5000")
                    .setting("cluster-config-file " + configs.resolve("nodes-" + port + ".conf")).build()));
        }
        for (RedisServer server : servers) {
            RedisClient nodeClient = RedisClient.create(RedisURI.create("127.0.0.1", port(server)));
            nodeClients.add(nodeClient);
            nodes.add(nodeClient.connect().sync());
        }
        form();
        client = RedisClusterClient.create(servers.stream()
                .map(server -> RedisURI.create("127.0.0.1", port(server))).toList());
        // Follow a slot that moved at once, as a production client should (state-redis's README).
        client.setOptions(ClusterClientOptions.builder().topologyRefreshOptions(
                ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build()).build());
    }

    /** Introduces the nodes to each other, gives each a third of the slots, and waits until all say the cluster is ok. */
    private void form() {
        for (int i = 1; i < NODES; i++) {
            nodes.getFirst().clusterMeet("127.0.0.1", port(servers.get(i)));
        }
        for (int i = 0; i < NODES; i++) {
            int from = SLOTS * i / NODES;
            int to = SLOTS * (i + 1) / NODES;
            nodes.get(i).clusterAddSlots(IntStream.range(from, to).toArray());
        }
        Awaitility.await("the cluster's state is ok on every node").atMost(FORMING)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> nodes.stream().allMatch(node -> node.clusterInfo().contains("cluster_state:ok")
                        && node.clusterNodes().lines().count() == NODES));
    }

    /** Synchronous commands of a new cluster connection; each test consumer gets its own. */
    public synchronized RedisAdvancedClusterCommands<String, String> connect() {
        if (client == null) {
            throw new IllegalStateException("the cluster is not running: expected LocalRedisCluster registered as a "
                    + "static @RegisterExtension field of the test class");
        }
        StatefulRedisClusterConnection<String, String> connection = client.connect();
        connections.add(connection);
        return connection.sync();
    }

    /** The first node's URL: a cluster client finds the others from it. */
    public synchronized String url() {
        if (servers.isEmpty()) {
            throw new IllegalStateException("the cluster is not running");
        }
        return "redis://127.0.0.1:" + port(servers.getFirst());
    }

    /** The port of the node that serves the key's slot. */
    public synchronized int nodeOf(String key) {
        return port(servers.get(owner(SlotHash.getSlot(key))));
    }

    /**
     * Moves the key's slot, with every key in it, to the next node as a resharding does: the slot is marked migrating
     * and importing, its keys are migrated, then every node is told its new owner. Clients that still send the slot's
     * commands to the old node are redirected.
     */
    public synchronized void moveSlotOf(String key) {
        int slot = SlotHash.getSlot(key);
        int from = owner(slot);
        int to = (from + 1) % NODES;
        RedisCommands<String, String> source = nodes.get(from);
        RedisCommands<String, String> target = nodes.get(to);
        String sourceId = source.clusterMyId();
        String targetId = target.clusterMyId();
        target.clusterSetSlotImporting(slot, sourceId);
        source.clusterSetSlotMigrating(slot, targetId);
        List<String> keys;
        while (!(keys = source.clusterGetKeysInSlot(slot, 100)).isEmpty()) {
            source.migrate("127.0.0.1", port(servers.get(to)), 0, 5_000,
                    MigrateArgs.Builder.keys(keys.toArray(String[]::new)));
        }
        target.clusterSetSlotNode(slot, targetId);
        source.clusterSetSlotNode(slot, targetId);
        nodes.get((to + 1) % NODES).clusterSetSlotNode(slot, targetId);
    }

    private int owner(int slot) {
        for (int i = 0; i < NODES; i++) {
            // A node's own line in its CLUSTER NODES (flagged "myself") lists the slots it serves.
            if (nodes.get(i).clusterNodes().lines()
                    .anyMatch(line -> line.contains("myself") && serves(line, slot))) {
                return i;
            }
        }
        throw new IllegalStateException("no node serves slot " + slot);
    }

    /** Whether a CLUSTER NODES line lists the slot among its ranges (fields from the ninth on). */
    private static boolean serves(String line, int slot) {
        String[] fields = line.split(" ");
        for (int i = 8; i < fields.length; i++) {
            if (fields[i].startsWith("[")) {
                continue; // a slot being migrated or imported, not yet served
            }
            String[] range = fields[i].split("-");
            int first = Integer.parseInt(range[0]);
            int last = range.length == 1 ? first : Integer.parseInt(range[1]);
            if (slot >= first && slot <= last) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) throws IOException {
        if (--classesRunning > 0) {
            return;
        }
        try {
            connections.forEach(StatefulRedisClusterConnection::close);
            connections.clear();
            if (client != null) {
                client.shutdown();
            }
            nodeClients.forEach(RedisClient::shutdown);
        } finally {
            client = null;
            nodes.clear();
            nodeClients.clear();
            servers.forEach(RedisProcesses::stopQuietly);
            servers.clear();
            deleteDirectory();
        }
    }

    private void deleteDirectory() throws IOException {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        directory = null;
    }

    private static int port(RedisServer server) {
        return server.ports().getFirst();
    }
}
