package io.esm4j.internal.stream;

/**
 * Implemented by a {@link io.esm4j.stream.StreamSource} that is not read through shard leases and
 * {@link io.esm4j.stream.ShardReader}s but drives processing itself: a Kafka consumer group assigns partitions and
 * its single-threaded consumer must read, pause, resume and commit on one thread. The mapping builder hands such a
 * source the mapping's context (settings, handler invoker, filter, destination, metrics, status) and runs the engine
 * it returns; the engine processes each partition through a {@link ShardPipeline}, so lanes, batching, retries,
 * bisection, destinations and tracking stay the same code as for Kinesis.
 *
 * <p>Not an API: exported only to esm4j's own source modules (module-info), and may change with them.
 */
public interface EngineFactory<T> {

    /**
     * Creates the mapping's engine; called once, from {@code build()}, so it may reject settings the source does not
     * support with an {@link io.esm4j.settings.InvalidSettingException}.
     */
    MappingEngine engine(StreamContext<T> ctx);
}
