package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.stream.ReadStart;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;

/** What one SubscribeToShard event means for where reading goes on, event by event. */
class FanOutEventOutcomeTest {

    private static final ReadStart TRIM_HORIZON = new ReadStart.TrimHorizon();

    @Test
    void anEventWithRecordsMovesTheNextSubscriptionToItsContinuation() {
        FanOutEventOutcome outcome = FanOutEventOutcome.of(event("12", "11"), TRIM_HORIZON, true);

        assertThat(outcome).isEqualTo(new FanOutEventOutcome(new ReadStart.AfterSequenceNumber("12"), false, false,
                false));
    }

    @Test
    void anEventWithoutRecordsHasCaughtUpWithTheShard() {
        FanOutEventOutcome outcome = FanOutEventOutcome.of(event("12"), TRIM_HORIZON, false);

        assertThat(outcome).isEqualTo(new FanOutEventOutcome(new ReadStart.AfterSequenceNumber("12"), false, false,
                true));
    }

    @Test
    void aSubscriptionResumingInsideAnAggregateKeepsItsStartUntilItDeliveredRecords() {
        ReadStart insideAggregate = new ReadStart.AfterSequenceNumber("11/2");

        assertThat(FanOutEventOutcome.of(event("12"), insideAggregate, false).resumeAt()).isNull();
        assertThat(FanOutEventOutcome.of(event("12", "11"), insideAggregate, true).resumeAt())
                .isEqualTo(new ReadStart.AfterSequenceNumber("12"));
        // A plain start moves on at once: nothing of it is delivered again.
        assertThat(FanOutEventOutcome.of(event("12"), new ReadStart.AfterSequenceNumber("11"), false).resumeAt())
                .isEqualTo(new ReadStart.AfterSequenceNumber("12"));
    }

    @Test
    void childShardsWithoutAContinuationEndTheShard() {
        SubscribeToShardEvent last = event(null).toBuilder().childShards(ChildShard.builder()
                .shardId("shardId-000000000001").parentShards("shardId-000000000000").build()).build();

        assertThat(FanOutEventOutcome.of(last, TRIM_HORIZON, false))
                .isEqualTo(new FanOutEventOutcome(null, true, false, true));
    }

    @Test
    void noContinuationWithoutChildShardsResumesAfterTheEventsRecordsAndAsksGetRecords() {
        assertThat(FanOutEventOutcome.of(event(null, "21", "22"), TRIM_HORIZON, true)).isEqualTo(
                new FanOutEventOutcome(new ReadStart.AfterSequenceNumber("22"), false, true, false));
        assertThat(FanOutEventOutcome.of(event(null), TRIM_HORIZON, false))
                .isEqualTo(new FanOutEventOutcome(null, false, true, true));
    }

    private static SubscribeToShardEvent event(String continuation, String... sequenceNumbers) {
        SubscribeToShardEvent.Builder event = SubscribeToShardEvent.builder().continuationSequenceNumber(continuation)
                .millisBehindLatest(0L);
        Record[] records = new Record[sequenceNumbers.length];
        for (int i = 0; i < records.length; i++) {
            records[i] = Record.builder().sequenceNumber(sequenceNumbers[i]).partitionKey("k")
                    .data(SdkBytes.fromUtf8String("d")).approximateArrivalTimestamp(Instant.EPOCH).build();
        }
        return event.records(records).build();
    }
}
