package io.esm4j.kinesis;

import static io.esm4j.kinesis.KinesisSourceContract.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testsupport.LogCapture;
import io.esm4j.testsupport.RequiresNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;

/**
 * A Kinesis stream deleted while its mapping runs, then created again under the same name (same ARN, shard ids from
 * shardId-000000000000 again), on kinesis-mock started once for the class.
 */
@RequiresNode
class KinesisStreamGoneTest {

    private static KinesisMockServer server;
    private static KinesisClient kinesis;
    private static final FaultInjector CALLS = new FaultInjector();

    @BeforeAll
    static void startServer() throws Exception {
        server = KinesisMockServer.start();
        kinesis = KinesisClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(KinesisMockSourceTest.CREDENTIALS)
                .overrideConfiguration(c -> c.addExecutionInterceptor(CALLS)).build();
    }

    @AfterAll
    static void stopServer() {
        if (kinesis != null) {
            kinesis.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * Deleted: the status names the missing stream, and DescribeStreamSummary, which fails in every listing round, is
     * one WARN, not one per round (the engine's own failure logs are bounded already).
     */
    @Test
    void aDeletedStreamIsAProblemLoggedAtABoundedRate() throws Exception {
        String stream = "esm4j-gone";
        EventSourceMapping<KinesisRecord> mapping = running(stream, RecordingHandler.succeeding());
        try (LogCapture log = new LogCapture(KinesisStreamSource.class)) {
            kinesis.deleteStream(r -> r.streamName(stream));
            eventually().until(() -> mapping.stateTransitionReason().contains("stream/" + stream + " not found"));
            int listings = CALLS.requests(ListShardsRequest.class).size();
            eventually().until(() -> CALLS.requests(ListShardsRequest.class).size() >= listings + 5);
            assertThat(log.lines("WARN", "DescribeStreamSummary failed")).hasSize(1);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /**
     * Created again: depending on timing, kinesis-mock refuses the old checkpoint (ResourceNotFoundException), or
     * serves an iterator after it and then nothing, for good, with no problem in the status, or reads the new records
     * that happen to sort after it. Now the status says the stream was recreated and what to do, whichever it was.
     */
    @Test
    void aStreamDeletedAndCreatedAgainIsAProblemSayingWhatToDo() throws Exception {
        String stream = "esm4j-gone-and-back";
        RecordingHandler<KinesisRecord> handler = RecordingHandler.succeeding();
        EventSourceMapping<KinesisRecord> mapping = running(stream, handler);
        try (LogCapture log = new LogCapture(KinesisStreamSource.class)) {
            kinesis.deleteStream(r -> r.streamName(stream));
            eventually().until(() -> mapping.stateTransitionReason().contains("not found"));
            TestStreams.create(kinesis, stream, 1);
            TestStreams.putNumbered(kinesis, stream, 100, 3, 3);

            eventually().until(() -> mapping.stateTransitionReason().contains("created again"));
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: ")
                    .contains("stream arn:aws:kinesis:us-east-1:000000000000:stream/" + stream
                            + " was deleted and created again", "delete its leases");
            assertThat(log.lines("ERROR", "deleted and created again")).hasSize(1);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /** A mapping on a new one-shard stream, started, that has handled the stream's first 3 records. */
    private static EventSourceMapping<KinesisRecord> running(String stream, RecordingHandler<KinesisRecord> handler) {
        TestStreams.create(kinesis, stream, 1);
        KinesisStreamSource source = KinesisStreamSource.builder(kinesis).streamName(stream).build();
        EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder(stream, source, handler)
                .leaseStore(new InMemoryLeaseStore())
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                        .idlePollInterval(Duration.ofMillis(100)).shardSyncInterval(Duration.ofMillis(200)).build())
                .build();
        mapping.start();
        TestStreams.putNumbered(kinesis, stream, 0, 3, 3);
        eventually().until(() -> handler.succeededCount() == 3);
        return mapping;
    }
}
