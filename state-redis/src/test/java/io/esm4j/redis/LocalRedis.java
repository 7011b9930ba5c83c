package io.esm4j.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.embedded.RedisServer;

/**
 * A real redis-server (6.2, the binary inside embedded-redis's jar) on 127.0.0.1 and a free port, without persistence,
 * for one test class: register it as a static {@code @RegisterExtension} field; it starts before the class's first test
 * and stops after its last, whether tests failed or not. Connections opened with {@link #connect()} close with it.
 */
public final class LocalRedis implements BeforeAllCallback, AfterAllCallback {

    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    private @Nullable RedisServer server;
    private @Nullable RedisClient client;
    /** JUnit calls the callbacks again for each @Nested class: one server serves the class and its nested ones. */
    private int classesRunning;

    @Override
    public synchronized void beforeAll(ExtensionContext context) throws IOException {
        if (classesRunning++ > 0) {
            return;
        }
        int port = start();
        client = RedisClient.create(RedisURI.create("127.0.0.1", port));
    }

    private int start() throws IOException {
        server = RedisProcesses.start(port -> RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build());
        return server.ports().getFirst();
    }

    /** Synchronous commands of a new connection; each test consumer gets its own, as separate processes would. */
    public RedisCommands<String, String> connect() {
        return connectRaw().sync();
    }

    /** A new connection, for a test that closes it itself; closing it twice is harmless. */
    public synchronized StatefulRedisConnection<String, String> connectRaw() {
        if (client == null) {
            throw new IllegalStateException("redis-server is not running: expected LocalRedis registered as a static "
                    + "@RegisterExtension field of the test class");
        }
        StatefulRedisConnection<String, String> connection = client.connect();
        connections.add(connection);
        return connection;
    }

    /** Synchronous commands of a new connection that signs in as {@code user} (an ACL user the test made). */
    public synchronized RedisCommands<String, String> connectAs(String user, String password) {
        if (client == null || server == null) {
            throw new IllegalStateException("redis-server is not running: expected LocalRedis registered as a static "
                    + "@RegisterExtension field of the test class");
        }
        StatefulRedisConnection<String, String> connection = client.connect(RedisURI.builder().withHost("127.0.0.1")
                .withPort(server.ports().getFirst()).withAuthentication(user, password.toCharArray()).build());
        connections.add(connection);
        return connection.sync();
    }

    /** The server's URL, for a client configured by URL (the worker's --lease-redis). */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("redis-server is not running");
        }
        return "redis://127.0.0.1:" + server.ports().getFirst();
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (--classesRunning > 0) {
            return;
        }
        try {
            connections.forEach(StatefulRedisConnection::close);
            connections.clear();
            if (client != null) {
                client.shutdown();
            }
        } finally {
            client = null;
            if (server != null) {
                RedisProcesses.stopQuietly(server);
                server = null;
            }
        }
    }
}
