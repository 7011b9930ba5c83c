package io.esm4j.internal;

import org.jspecify.annotations.Nullable;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The name of the mapping an engine thread works for, so that the log lines of parts that are not told it name it too
 * (key {@code mapping}, as the engine's own lines): a source's readers and shard listing, an on-failure destination,
 * the idempotency store's deduplicator. Those are built before the mapping, and may serve several mappings (a
 * destination, a store), so the thread that calls them says which. The engine binds each thread it starts for a
 * mapping ({@link #bound}); a thread it does not own (an SDK's, a user's) has none, and a part that logs from one takes
 * the name when the engine calls it ({@link #current} at open).
 */
public final class MappingLogName {

    private static final ThreadLocal<@Nullable String> CURRENT = new ThreadLocal<>();

    private MappingLogName() {
    }

    /** The mapping the calling thread works for, or null on a thread the engine did not bind. */
    public static @Nullable String current() {
        return CURRENT.get();
    }

    /** {@code task}, run with the thread bound to {@code mapping} (and bound as before afterwards). */
    public static Runnable bound(String mapping, Runnable task) {
        return () -> {
            String before = CURRENT.get();
            CURRENT.set(mapping);
            try {
                task.run();
            } finally {
                if (before == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(before);
                }
            }
        };
    }

    /** The line with {@code mapping=<name>} first, if a name is known; unchanged otherwise. */
    public static LoggingEventBuilder named(LoggingEventBuilder line, @Nullable String mapping) {
        return mapping == null ? line : line.addKeyValue("mapping", mapping);
    }

    /** The line with the calling thread's mapping, if it has one. */
    public static LoggingEventBuilder named(LoggingEventBuilder line) {
        return named(line, current());
    }
}
