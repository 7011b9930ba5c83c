package io.esm4j.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.Redis;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;

/**
 * Redis with Sentinel for one test class: a master and a replica (redis-server 6.2, without persistence) and one
 * sentinel that monitors them as {@value #MASTER}, all on 127.0.0.1 and free ports. Register it as a static
 * {@code @RegisterExtension} field; it starts before the class's first test and stops after its last, whether tests
 * failed or not. For one test thread: its waits poll from a thread of their own, so nothing here is synchronized.
 */
public final class LocalRedisSentinel implements BeforeAllCallback, AfterAllCallback {

    public static final String MASTER = "esm4j";
    private static final Duration SETTLING = Duration.ofSeconds(60);
    private static final Pattern MASTER_OFFSET = Pattern.compile("master_repl_offset:(\\d+)");
    private static final Pattern REPLICA_OFFSET = Pattern.compile("slave0:.*,offset=(\\d+)");

    private final List<Redis> processes = new ArrayList<>();
    private @Nullable RedisServer master;
    private int sentinelPort;
    private int currentMaster;
    private int currentReplica;
    private @Nullable RedisClient client;
    private @Nullable StatefulRedisSentinelConnection<String, String> sentinel;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        RedisServer first = RedisProcesses.start(port -> RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build());
        processes.add(first);
        master = first;
        currentMaster = first.ports().getFirst();
        RedisServer replica = RedisProcesses.start(port -> RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").setting("replicaof 127.0.0.1 " + currentMaster)
                .build());
        processes.add(replica);
        currentReplica = replica.ports().getFirst();
        client = RedisClient.create();
        // A sentinel learns of replicas from its master's INFO, asked every 10 s: with the replica in sync before the
        // sentinel starts, its first INFO names it.
        try (StatefulRedisConnection<String, String> toMaster = client.connect(
                RedisURI.create("127.0.0.1", currentMaster))) {
            Awaitility.await("the replica in sync with its master").atMost(SETTLING)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> toMaster.sync().info("replication").contains("state=online"));
        }
        RedisSentinel started = RedisProcesses.start(port -> RedisSentinel.newRedisSentinel().bind("127.0.0.1")
                .port(port).masterPort(currentMaster).masterName(MASTER).quorumSize(1)
                .downAfterMilliseconds(1_000).failOverTimeout(10_000).build());
        processes.add(started);
        sentinelPort = started.ports().getFirst();
        sentinel = client.connectSentinel(RedisURI.create("127.0.0.1", sentinelPort));
    }

    /** The URL a client finds the master by: {@code redis-sentinel://127.0.0.1:<sentinel port>#esm4j}. */
    public String url() {
        return "redis-sentinel://127.0.0.1:" + sentinelPort + "#" + MASTER;
    }

    /** The port of the server the sentinel names as master. */
    public int masterPort() {
        return ((InetSocketAddress) sentinel().getMasterAddrByName(MASTER)).getPort();
    }

    /**
     * Loses the master as a crash would, but only once its replica has every write it took (replication is
     * asynchronous: writes the replica had not received would be lost, see state-redis's README): stops its process
     * and waits until the sentinel names the replica as master. There is no replica after that.
     */
    public void loseMaster() {
        try (StatefulRedisConnection<String, String> toMaster = client().connect(
                RedisURI.create("127.0.0.1", currentMaster))) {
            Awaitility.await("the replica has every write of its master").atMost(SETTLING)
                    .pollInterval(Duration.ofMillis(20)).until(() -> caughtUp(toMaster.sync().info("replication")));
        }
        Awaitility.await("the sentinel knows the replica").atMost(SETTLING).pollInterval(Duration.ofMillis(50))
                .until(() -> sentinel().replicas(MASTER).stream()
                        .anyMatch(seen -> seen.get("port").equals(Integer.toString(currentReplica))));
        RedisProcesses.stopQuietly(Objects.requireNonNull(master, "the master is lost already"));
        master = null;
        Awaitility.await("the sentinel names the replica as master").atMost(SETTLING)
                .pollInterval(Duration.ofMillis(50)).until(() -> masterPort() == currentReplica);
        currentMaster = currentReplica;
    }

    /** Whether INFO replication of a master shows its replica at the master's own offset. */
    private static boolean caughtUp(String replication) {
        Matcher master = MASTER_OFFSET.matcher(replication);
        Matcher replica = REPLICA_OFFSET.matcher(replication);
        return master.find() && replica.find() && master.group(1).equals(replica.group(1));
    }

    private RedisClient client() {
        if (client == null) {
            throw new IllegalStateException("the sentinel is not running");
        }
        return client;
    }

    private RedisSentinelCommands<String, String> sentinel() {
        if (sentinel == null) {
            throw new IllegalStateException("the sentinel is not running: expected LocalRedisSentinel registered as "
                    + "a static @RegisterExtension field of the test class");
        }
        return sentinel.sync();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (sentinel != null) {
                sentinel.close();
            }
            if (client != null) {
                client.shutdown();
            }
        } finally {
            sentinel = null;
            client = null;
            processes.forEach(RedisProcesses::stopQuietly);
            processes.clear();
        }
    }
}
