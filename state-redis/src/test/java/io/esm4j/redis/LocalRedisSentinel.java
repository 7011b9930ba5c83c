package io.esm4j.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    private final List<Redis> processes = new ArrayList<>();
    private int sentinelPort;
    private int currentMaster;
    private int currentReplica;
    private @Nullable RedisClient client;
    private @Nullable StatefulRedisSentinelConnection<String, String> sentinel;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        RedisServer master = RedisProcesses.start(port -> RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build());
        processes.add(master);
        currentMaster = master.ports().getFirst();
        RedisServer replica = RedisProcesses.start(port -> RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").setting("replicaof 127.0.0.1 " + currentMaster)
                .build());
        processes.add(replica);
        currentReplica = replica.ports().getFirst();
        RedisSentinel started = RedisProcesses.start(port -> RedisSentinel.newRedisSentinel().bind("127.0.0.1")
                .port(port).masterPort(currentMaster).masterName(MASTER).quorumSize(1)
                .downAfterMilliseconds(5_000).failOverTimeout(10_000).build());
        processes.add(started);
        sentinelPort = started.ports().getFirst();
        client = RedisClient.create();
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
     * Makes the replica the master, as after the master's loss, and waits until the sentinel names it and has made the
     * old master its replica. Until then the old master still takes writes, which its resynchronisation then discards:
     * replication is asynchronous (state-redis's README says what that means for leases and keys).
     */
    public void failOver() {
        int oldMaster = currentMaster;
        // A failover needs a replica the sentinel knows (it asks the master every 10 s) and that is in sync.
        Awaitility.await("the sentinel sees the replica in sync").atMost(SETTLING).pollInterval(Duration.ofMillis(50))
                .until(() -> replicaInSync(currentReplica));
        sentinel().failover(MASTER);
        Awaitility.await("the sentinel names the replica as master and the old master as its replica")
                .atMost(SETTLING).pollInterval(Duration.ofMillis(50))
                .until(() -> masterPort() == currentReplica && replicaInSync(oldMaster));
        currentReplica = oldMaster;
        currentMaster = masterPort();
    }

    private boolean replicaInSync(int port) {
        return sentinel().replicas(MASTER).stream().anyMatch(seen -> seen.get("port").equals(Integer.toString(port))
                && "ok".equals(seen.get("master-link-status")));
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
