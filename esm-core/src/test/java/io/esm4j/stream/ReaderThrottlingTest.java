package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A reader that reports steady throttling ({@link ShardThrottledException}) shows in the mapping's status with its
 * likely cause, is counted as a failed read, and reading goes on once the throttling stops.
 */
class ReaderThrottlingTest {

    private static final String MAPPING = "throttling";

    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final InMemoryStream stream = InMemoryStream.create(MAPPING, 1);
    private final FaultyStream source = new FaultyStream(stream);
    private final String shardId = stream.openShardIds().getFirst();

    @Test
    void steadyThrottlingShowsInTheStatusUntilReadingWorksAgain() throws Exception {
        Streams.fill(stream, 10, 1);
        AtomicBoolean throttled = new AtomicBoolean(true);
        source.fetch = shard -> {
            if (throttled.get()) {
                throw new ShardThrottledException("GetRecords", 5, new IllegalStateException("Rate exceeded"));
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(MAPPING, source, handler)
                .meterRegistry(registry).settings(Streams.fast().batchSize(10).build()).build();
        mapping.start();
        try {
            await().until(() -> mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: reading shard " + shardId
                    + " throttled 5 times in a row (GetRecords: IllegalStateException: Rate exceeded); another "
                    + "consumer may be reading the shard");
            assertThat(registry.get(MetricNames.POLLING_ERROR_COUNT).tag(MetricNames.MAPPING_TAG, MAPPING).counter()
                    .count()).isPositive();

            throttled.set(false);
            await().until(() -> handler.succeeded().size() == 10);
            await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        } finally {
            Streams.stopQuietly(mapping);
        }
    }
}
