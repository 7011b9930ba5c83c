package io.esm4j.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import redis.embedded.RedisServer;

/**
 * A real redis-server (6.2, the binary inside embedded-redis's jar) on 127.0.0.1 and a free port, without persistence,
 * for one test class: start in {@code @BeforeAll}, {@link #close()} in {@code @AfterAll}. Connections opened with
 * {@link #connect()} close with it.
 */
final class LocalRedis implements AutoCloseable {

    private static final int START_ATTEMPTS = 3;

    private final RedisServer server;
    private final int port;
    private final RedisClient client;
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();

    private LocalRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
        this.client = RedisClient.create(RedisURI.create("127.0.0.1", port));
    }

    static LocalRedis start() throws IOException {
        IOException last = null;
        // The free port is found before the server binds it: another process may take it in between, so try again.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = freePort();
            RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                    .setting("save \"\"").setting("appendonly no").build();
            try {
                server.start();
                return new LocalRedis(server, port);
            } catch (IOException | RuntimeException e) {
                stopQuietly(server);
                last = e instanceof IOException io ? io : new IOException(e);
            }
        }
        throw new IOException("redis-server did not start on 127.0.0.1 in " + START_ATTEMPTS + " attempts", last);
    }

    /** Synchronous commands of a new connection; each test consumer gets its own, as separate processes would. */
    RedisCommands<String, String> connect() {
        return connectRaw().sync();
    }

    /** A new connection, for a test that closes it itself; closing it twice is harmless. */
    synchronized StatefulRedisConnection<String, String> connectRaw() {
        StatefulRedisConnection<String, String> connection = client.connect();
        connections.add(connection);
        return connection;
    }

    int port() {
        return port;
    }

    @Override
    public synchronized void close() {
        try {
            connections.forEach(StatefulRedisConnection::close);
            client.shutdown();
        } finally {
            stopQuietly(server);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void stopQuietly(RedisServer server) {
        try {
            server.stop();
        } catch (IOException e) {
            // It was not running, or is gone already.
        }
    }
}
