package io.esm4j.worker.state;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A connection to the Redis or Valkey of a {@code --lease-redis} or {@code --mapping-redis} URL, whatever the
 * server is: one server, the master that Sentinel names ({@code redis-sentinel://}), or a Redis Cluster (found by
 * asking the server the URL names, so that one URL form serves an ElastiCache or MemoryDB configuration endpoint too).
 *
 * @param commands what the stores use; a cluster connection routes each key to the node that serves its slot
 * @param closer   closes the connection and its client
 */
record RedisConnection(RedisClusterCommands<String, String> commands, AutoCloseable closer) {

    /**
     * How soon a cluster client follows a changed topology: at once on a redirect or a lost node (adaptive), and
     * every minute in any case, so that a node added by a scale-out is used without a redirect first.
     */
    private static final ClusterClientOptions CLUSTER_OPTIONS = ClusterClientOptions.builder()
            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers()
                    .enablePeriodicRefresh(Duration.ofMinutes(1)).build())
            .build();

    /**
     * How long a command may wait for its answer, unless the URL says otherwise ({@code ?timeout=10s}): 0.4 of
     * esm-core's FailoverTime (10 s), as state-redis asks of a lease store's client, so that a call that hangs (a
     * half-open connection, a server paused or partitioned away) fails and the next renewal is sent before the
     * worker has to give its shards up. Lettuce's own default, 60 s, would cost the worker its shards and hold every
     * API call (each reads a Redis mapping store first) for a minute.
     */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(4);

    /** The URL's Redis URI, with {@link #COMMAND_TIMEOUT} unless the URL gives a {@code timeout} of its own. */
    static RedisURI uri(URI url) {
        RedisURI uri = RedisURI.create(url);
        String query = url.getRawQuery();
        boolean timeoutGiven = query != null && Arrays.stream(query.split("&"))
                .anyMatch(parameter -> parameter.startsWith("timeout="));
        if (!timeoutGiven) {
            uri.setTimeout(COMMAND_TIMEOUT);
        }
        return uri;
    }

    static RedisConnection open(RedisURI uri, String flag) throws IOException {
        RedisClient client = RedisClient.create(uri);
        StatefulRedisConnection<String, String> connection;
        boolean cluster;
        try {
            connection = client.connect();
        } catch (RedisException e) {
            client.shutdown();
            throw failure("Could not connect to " + server(uri) + " (" + flag + ")", e,
                    "Expected a Redis or Valkey server there.");
        }
        try {
            cluster = connection.sync().info("cluster").contains("cluster_enabled:1");
        } catch (RedisException e) {
            connection.close();
            client.shutdown();
            throw failure("Could not ask " + server(uri) + " (" + flag + ") whether it is a cluster (INFO cluster)",
                    e, "The worker's Redis user needs the INFO command.");
        }
        if (!cluster) {
            return new RedisConnection(connection.sync(), () -> {
                connection.close();
                client.shutdown();
            });
        }
        connection.close();
        client.shutdown();
        return openCluster(uri, flag);
    }

    private static RedisConnection openCluster(RedisURI uri, String flag) throws IOException {
        RedisClusterClient client = RedisClusterClient.create(uri);
        client.setOptions(CLUSTER_OPTIONS);
        StatefulRedisClusterConnection<String, String> connection;
        try {
            connection = client.connect();
        } catch (RedisException e) {
            client.shutdown();
            throw failure("Could not connect to the cluster of " + server(uri) + " (" + flag + ")", e,
                    "Expected its nodes to answer.");
        }
        return new RedisConnection(connection.sync(), () -> {
            connection.close();
            client.shutdown();
        });
    }

    private static IOException failure(String what, RedisException cause, String expected) {
        return new IOException(what + ": " + cause.getMessage() + ". " + expected, cause);
    }

    /** The server, or the master and the sentinels, but never the URL, which may hold a password. */
    private static String server(RedisURI uri) {
        if (uri.getSentinels().isEmpty()) {
            return "Redis at " + uri.getHost() + ":" + uri.getPort();
        }
        return "the master " + uri.getSentinelMasterId() + " of Redis Sentinel at " + uri.getSentinels().stream()
                .map(sentinel -> sentinel.getHost() + ":" + sentinel.getPort()).collect(Collectors.joining(","));
    }
}
