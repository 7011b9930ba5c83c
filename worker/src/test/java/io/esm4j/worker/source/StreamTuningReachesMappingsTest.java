package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.settings.StreamSettings;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The worker's stream settings (--failover-time and the others) reach the settings every stream mapping is built
 * with, on top of the mapping's own Lambda fields.
 */
class StreamTuningReachesMappingsTest {

    private static final StreamTuning TUNING = new StreamTuning(Duration.ofSeconds(3), Duration.ofSeconds(1),
            Duration.ofMinutes(2), Duration.ofMillis(500));
    private static final WorkerContext CONTEXT = new WorkerContext(null, new SimpleMeterRegistry(), null, "w1",
            false, TUNING);

    @Test
    void kinesisMappingsTakeAllFour() {
        StreamSettings settings = new KinesisSourceFactory().settings(spec("""
                EventSourceArn: arn:aws:kinesis:us-east-1:123456789012:stream/clicks
                StartingPosition: TRIM_HORIZON
                BatchSize: 7
                """), "arn:fn", CONTEXT);
        assertTuned(settings);
        assertThat(settings.batchSize()).as("the mapping's own fields stay").isEqualTo(7);
    }

    @Test
    void dynamoDbStreamsMappingsTakeAllFour() {
        StreamSettings settings = new DynamoDbStreamsSourceFactory().settings(spec("""
                EventSourceArn: arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525
                StartingPosition: LATEST
                """), "arn:fn", CONTEXT);
        assertTuned(settings);
    }

    /** Kafka takes CheckpointInterval (its commits); the lease and polling settings it does not read at all. */
    @Test
    void kafkaMappingsCommitEveryCheckpointInterval() {
        StreamSettings settings = KafkaSourceFactory.settings(spec("""
                SelfManagedEventSource:
                  Endpoints:
                    KAFKA_BOOTSTRAP_SERVERS: ["b-1.example:9092"]
                Topics: [orders]
                StartingPosition: LATEST
                """), "arn:fn", CONTEXT);
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void withoutWorkerSettingsMappingsKeepEsmCoresDefaults() {
        WorkerContext plain = new WorkerContext(null, new SimpleMeterRegistry(), null, "w1", false);
        StreamSettings settings = new KinesisSourceFactory().settings(spec("""
                EventSourceArn: arn:aws:kinesis:us-east-1:123456789012:stream/clicks
                StartingPosition: TRIM_HORIZON
                """), "arn:fn", plain);
        assertThat(settings.failoverTime()).isEqualTo(StreamSettings.FAILOVER_TIME.defaultValue());
        assertThat(settings.idlePollInterval()).isEqualTo(StreamSettings.IDLE_POLL_INTERVAL.defaultValue());
        assertThat(settings.shardSyncInterval()).isEqualTo(StreamSettings.SHARD_SYNC_INTERVAL.defaultValue());
        assertThat(settings.checkpointInterval()).isEqualTo(StreamSettings.CHECKPOINT_INTERVAL.defaultValue());
    }

    private static void assertTuned(StreamSettings settings) {
        assertThat(settings.failoverTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.idlePollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.shardSyncInterval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofMillis(500));
    }

    private static MappingSpec spec(String fields) {
        return WorkerFile.parse("EventSourceMappings:\n  - FunctionName: f\n"
                + fields.indent(4), true).mappings().getFirst();
    }
}
