package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.StartingPosition;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A source that cannot start at every position (DynamoDB Streams: no AT_TIMESTAMP) fails the mapping's build. A
 * LATEST start is saved in the lease once the shard has opened, so that whoever runs the shard next starts there.
 */
class StartingPositionsTest {

    /** An in-memory stream that, like DynamoDB Streams, offers TRIM_HORIZON and LATEST only. */
    private static final class NoTimestamps extends ForwardingStreamSource<byte[]> {
        NoTimestamps() {
            super(InMemoryStream.create("no-timestamps", 1));
        }

        @Override
        public Set<StartingPosition> startingPositions() {
            return EnumSet.of(StartingPosition.TRIM_HORIZON, StartingPosition.LATEST);
        }
    }

    @Test
    void aStartingPositionTheSourceDoesNotOfferIsRejectedNamingTheSourceAndWhatItOffers() {
        assertThatThrownBy(() -> EventSourceMapping.builder("positions", new NoTimestamps(),
                        RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().startingPositionAtTimestamp(Instant.now().minusSeconds(60)).build()).build())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.parameter()).isEqualTo("StartingPosition"))
                .hasMessage("Invalid value for StartingPosition: AT_TIMESTAMP. Expected one of [TRIM_HORIZON, LATEST], "
                        + "the starting positions NoTimestamps supports.");
    }

    @Test
    void theOfferedPositionsBuildAndEverySourceOffersAllByDefault() {
        for (StartingPosition position : List.of(StartingPosition.TRIM_HORIZON, StartingPosition.LATEST)) {
            assertThat(EventSourceMapping.builder("positions", new NoTimestamps(), RecordingHandler.<byte[]>succeeding())
                    .settings(Streams.fast().startingPosition(position).build()).build()).isNotNull();
        }
        assertThat(InMemoryStream.create("all", 1).startingPositions())
                .containsExactlyInAnyOrder(StartingPosition.values());
    }

    @Test
    void aLatestStartIsSavedSoThatAStopBeforeTheFirstRecordSkipsNothingWrittenSince() throws Exception {
        InMemoryStream stream = InMemoryStream.create("latest", 1);
        String shardId = stream.openShardIds().getFirst();
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        stream.put("k", "before the mapping");
        ObservedSource observed = new ObservedSource(stream);
        RecordingHandler<byte[]> first = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> a = EventSourceMapping.builder("latest", observed, first)
                .settings(Streams.fast().startingPosition(StartingPosition.LATEST).build())
                .leaseStore(store).workerId("a").build();
        a.start();
        await().until(() -> observed.wasOpened(shardId));
        // Stopped before any record came: nothing was done, yet the shard had opened.
        a.stop(Duration.ofSeconds(10));
        assertThat(store.checkpoint("latest", shardId)).get().isInstanceOf(Checkpoint.AtTimestamp.class);

        stream.put("k", "after the stop");
        RecordingHandler<byte[]> second = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> b = EventSourceMapping.builder("latest", stream, second)
                .settings(Streams.fast().startingPosition(StartingPosition.LATEST).build())
                .leaseStore(store).workerId("b").build();
        b.start();
        try {
            await().until(() -> second.succeededCount() >= 1);
            assertThat(second.succeeded()).map(Streams::text).containsExactly("after the stop");
            assertThat(first.invocationCount()).isZero();
        } finally {
            Streams.stopQuietly(b);
        }
    }
}
