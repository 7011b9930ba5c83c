package io.esm4j.stream;

/**
 * Reads one shard in order. The engine calls it from a single thread; an implementation owns the iterator (or
 * position), renews it when it expires, and backs off on throttling itself.
 *
 * <p>The engine polls a plain reader as Lambda polls a Kinesis shard: at the tail, a fetch about once a second,
 * at least IdlePollInterval apart. A reader that can wait for its next record (a source inside the JVM) implements
 * {@link AwaitableShardReader} instead, and an idle shard then costs no wake-up a second.
 */
public interface ShardReader<T> extends AutoCloseable {

    /**
     * Returns the next records of the shard, at most {@code maxRecords}. It may block for a short while (a long
     * poll) but should return an empty result at the tail rather than wait indefinitely.
     */
    FetchResult<T> fetch(int maxRecords) throws Exception;

    @Override
    default void close() {}
}
