package io.esm4j.internal.stream;

import io.esm4j.ShardStatus;
import io.esm4j.StopResult;
import java.time.Duration;
import java.util.List;

/**
 * What an {@link io.esm4j.EventSourceMapping} runs: the lease-based {@link StreamEngine}, or the engine a source
 * brings through {@link EngineFactory} (a Kafka consumer group, which reads and commits on its own poll thread).
 */
public interface MappingEngine {

    /** Starts reading; returns at once. Called once. */
    void start();

    /** Stops reading, drains in-flight batches until the timeout, saves final positions. Runs once. */
    StopResult stop(Duration timeout) throws InterruptedException;

    /** The shards (partitions) as this mapping sees them. */
    List<ShardStatus> shards();
}
