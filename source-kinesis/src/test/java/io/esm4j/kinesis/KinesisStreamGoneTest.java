package io.esm4j.kinesis;

import static io.esm4j.kinesis.KinesisSourceContract.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testsupport.LogCapture;
import io.esm4j.testsupport.RequiresNode;
import java.time.Duration;
import java.time.Instant;
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

    /**
     * Started after the stream was deleted and created again, on the old stream's leases: the source has never seen
     * the old stream's creation time, and kinesis-mock refuses the old checkpoint (ResourceNotFoundException), or
     * serves an iterator after it that returns nothing, for good. The shard's first sequence number, from the listing,
     * is above the checkpoint, which thus cannot be one of this shard: the status says so and what to do, and no record
     * of the new stream is handed to the handler.
     */
    @Test
    void aMappingStartedAfterTheStreamWasCreatedAgainSaysItsCheckpointsAreTheOldStreams() throws Exception {
        String stream = "esm4j-gone-before-start";
        RecordingHandler<KinesisRecord> handler = RecordingHandler.succeeding();
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        EventSourceMapping<KinesisRecord> first = running(stream, handler, leases);
        String shardId = "shardId-000000000000";
        try {
            eventually().until(() -> leases.checkpoint(stream, shardId).orElseThrow()
                    instanceof Checkpoint.AtSequenceNumber);
        } finally {
            first.stop(Duration.ofSeconds(10));
        }
        Checkpoint old = leases.checkpoint(stream, shardId).orElseThrow();
        Instant created = kinesis.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary()
                .streamCreationTimestamp();
        kinesis.deleteStream(r -> r.streamName(stream));
        eventually().until(() -> !kinesis.listStreams().streamNames().contains(stream));
        // Sequence numbers start with their shard's creation time in seconds: a stream created again within the same
        // second (which takes Kinesis far longer than that) may start below the old stream's numbers.
        eventually().until(() -> Instant.now().getEpochSecond() > created.getEpochSecond());
        TestStreams.create(kinesis, stream, 1);
        TestStreams.putNumbered(kinesis, stream, 100, 3, 3);

        EventSourceMapping<KinesisRecord> again = mapping(stream, handler, leases);
        again.start();
        try {
            eventually().until(() -> again.stateTransitionReason().contains("delete its leases"));
            assertThat(again.stateTransitionReason()).startsWith("PROBLEM: reading shard " + shardId + " failed: ")
                    .contains("PositionNotInShardException", ((Checkpoint.AtSequenceNumber) old).sequenceNumber(),
                            "deleted and created again");
            assertThat(handler.succeededCount()).isEqualTo(3);
            assertThat(leases.checkpoint(stream, shardId)).contains(old);
        } finally {
            again.stop(Duration.ofSeconds(10));
        }
    }

    /** A mapping on a new one-shard stream, started, that has handled the stream's first 3 records. */
    private static EventSourceMapping<KinesisRecord> running(String stream, RecordingHandler<KinesisRecord> handler) {
        return running(stream, handler, new InMemoryLeaseStore());
    }

    private static EventSourceMapping<KinesisRecord> running(String stream, RecordingHandler<KinesisRecord> handler,
                                                             InMemoryLeaseStore leases) {
        TestStreams.create(kinesis, stream, 1);
        EventSourceMapping<KinesisRecord> mapping = mapping(stream, handler, leases);
        mapping.start();
        TestStreams.putNumbered(kinesis, stream, 0, 3, 3);
        eventually().until(() -> handler.succeededCount() == 3);
        return mapping;
    }

    /** A mapping named as the stream, on a source built by its name (which reads the stream's creation time). */
    private static EventSourceMapping<KinesisRecord> mapping(String stream, RecordingHandler<KinesisRecord> handler,
                                                             InMemoryLeaseStore leases) {
        KinesisStreamSource source = KinesisStreamSource.builder(kinesis).streamName(stream).build();
        return EventSourceMapping.builder(stream, source, handler)
                .leaseStore(leases)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                        .idlePollInterval(Duration.ofMillis(100)).shardSyncInterval(Duration.ofMillis(200)).build())
                .build();
    }
}
