package io.esm4j.worker.state;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis connection of a {@code --lease-redis} or {@code --mapping-redis} URL, made when the worker starts and, if
 * the server does not answer then, at a later command, with backoff: a worker whose store is briefly unreachable at
 * start starts, as it does with a DynamoDB table (whose client connects on each call), rather than exiting and being
 * restarted in a loop by its orchestrator. Until it is connected every command fails at once with a
 * {@link RedisConnectionException} saying why (the stores' callers report and retry it as any failed store call: a
 * stream mapping shows it as its problem, the mapping refresh under {@code mappingStore}). Once connected, Lettuce
 * reconnects by itself. Connecting runs on the caller's thread without a lock held: one caller at a time tries, the
 * others fail at once.
 */
final class RedisOnDemand implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisOnDemand.class);
    static final Duration BACKOFF_FIRST = Duration.ofSeconds(1);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(30);

    /** Opens the connection; {@link RedisConnection#open} but for tests. */
    @FunctionalInterface
    interface Connector {
        RedisConnection open(RedisURI uri, String flag) throws IOException;
    }

    private final RedisURI uri;
    private final String flag;
    private final Connector connector;
    private final AtomicReference<@Nullable RedisConnection> connection = new AtomicReference<>();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<String> problem = new AtomicReference<>("not connected yet");
    private volatile long nextAttemptNanos = System.nanoTime();
    private volatile boolean closed;
    private final RedisClusterCommands<String, String> commands;

    @SuppressWarnings("unchecked")
    RedisOnDemand(RedisURI uri, String flag, Connector connector) {
        this.uri = uri;
        this.flag = flag;
        this.connector = connector;
        this.commands = (RedisClusterCommands<String, String>) Proxy.newProxyInstance(
                RedisClusterCommands.class.getClassLoader(), new Class<?>[] {RedisClusterCommands.class},
                (proxy, method, args) -> invoke(proxy, method, args));
    }

    /** The commands the stores use: each one connects first if the worker is not connected yet. */
    RedisClusterCommands<String, String> commands() {
        return commands;
    }

    /** Tries to connect now (at start); a failure is logged, and the next command tries again after the backoff. */
    void connectAtStart() {
        try {
            connected();
        } catch (RedisConnectionException e) {
            LOG.atWarn().addKeyValue("flag", flag).addKeyValue("retryInMs", BACKOFF_FIRST.toMillis())
                    .addKeyValue("error", e.getMessage())
                    .log("Redis does not answer at start; the worker starts, reports it where the store is used "
                            + "(a stream mapping's problem, the mapping store's under /health) and connects later");
        }
    }

    private @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> args != null && proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "Redis commands (" + flag + ")";
            };
        }
        try {
            return method.invoke(connected().commands(), args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private RedisConnection connected() {
        RedisConnection current = connection.get();
        if (current != null) {
            return current;
        }
        if (closed) {
            throw new RedisConnectionException("The Redis connection (" + flag + ") is closed: the worker stops.");
        }
        long wait = nextAttemptNanos - System.nanoTime();
        if (wait > 0 || !connecting.compareAndSet(false, true)) {
            throw new RedisConnectionException(problem.get() + " (" + flag + " not connected; next attempt in "
                    + Math.max(0, wait / 1_000_000) + " ms)");
        }
        try {
            current = connection.get();
            if (current != null) {
                return current;
            }
            RedisConnection opened = connector.open(uri, flag);
            if (closed) {
                closeQuietly(opened);
                throw new RedisConnectionException("The Redis connection (" + flag + ") is closed: the worker stops.");
            }
            connection.set(opened);
            if (failures.getAndSet(0) > 0) {
                LOG.atInfo().addKeyValue("flag", flag).log("connected to Redis");
            }
            return opened;
        } catch (IOException e) {
            int failed = failures.incrementAndGet();
            long backoff = Math.min(BACKOFF_MAX.toMillis(), BACKOFF_FIRST.toMillis() << Math.min(failed - 1, 10));
            nextAttemptNanos = System.nanoTime() + backoff * 1_000_000;
            // The message names the server (never the URL, which may hold a password) and why.
            problem.set(String.valueOf(e.getMessage()));
            LOG.atDebug().addKeyValue("flag", flag).addKeyValue("attempt", failed).addKeyValue("retryInMs", backoff)
                    .addKeyValue("error", e.getMessage()).log("connecting to Redis failed");
            throw new RedisConnectionException(e.getMessage(), e);
        } finally {
            connecting.set(false);
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        RedisConnection current = connection.getAndSet(null);
        if (current != null) {
            current.closer().close();
        }
    }

    private static void closeQuietly(RedisConnection opened) {
        try {
            opened.closer().close();
        } catch (Exception e) {
            LOG.atDebug().addKeyValue("error", e.toString()).log("closing a Redis connection made while stopping");
        }
    }
}
