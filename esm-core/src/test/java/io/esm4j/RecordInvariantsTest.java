package io.esm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.FailureRecord.RequestContext;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.TimeWindow;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.queue.EntryFailure;
import io.esm4j.stream.FetchResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The public records that the engine reads, or that sources and stores hand it, cannot be built in a state the engine
 * or the AWS JSON could not represent.
 */
class RecordInvariantsTest {

    private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");
    private static final StreamBatchInfo INFO = new StreamBatchInfo(BatchInfoStyle.KINESIS, "shardId-0", "1", "2", T,
            T, 2, "arn:aws:kinesis:eu-west-1:1:stream/s");

    @Test
    void aLeaseOwnerIsAWorkerIdOrNobody() {
        assertThat(Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of()).owner()).isNull();
        assertThatThrownBy(() -> new Lease("m", "s", "", 0, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("owner must be null (no owner) or a worker id but was the empty string");
        assertThatThrownBy(() -> new Lease("m", "s", "w", -1, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> new Lease("m", "s", "w", 0, null, List.of(), 0))
                .isInstanceOf(NullPointerException.class).hasMessage("checkpoint");
    }

    /** A lease nobody holds is held by nobody: a write "as its owner" is lost, not a NullPointerException. */
    @Test
    void nobodyHoldsAnUnownedLease() throws Exception {
        Lease unowned = Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of());
        assertThat(unowned.heldBy(null, 0)).isFalse();
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        store.create(unowned);
        assertThat(store.renew(unowned)).isEqualTo(new LeaseWrite.Lost(unowned));
    }

    @Test
    void shardStatusCountsAreNotNegative() {
        assertThat(new ShardStatus("s", null, "TRIM_HORIZON", -1, 0, 0, null).owner()).isNull();
        assertThatThrownBy(() -> new ShardStatus("s", null, "TRIM_HORIZON", -2, 0, 0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("iteratorAgeMillis must be -1 (unknown) or >= 0 but was -2");
        assertThatThrownBy(() -> new ShardStatus("s", null, "TRIM_HORIZON", 0, -1, 0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("recordsInFlight and restarts must be >= 0 but were -1 and 0");
        assertThatThrownBy(() -> new ShardStatus("s", null, null, 0, 0, 0, null))
                .isInstanceOf(NullPointerException.class).hasMessage("position");
    }

    @Test
    void stopResultsCountNothingNegative() {
        assertThatThrownBy(() -> new StopResult(true, Map.of(), -1, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("recordsNotProcessed must be >= 0 but was -1");
        assertThatThrownBy(() -> new QueueStopResult(true, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deleteFailures must be >= 0 but was -1");
    }

    /** AWS writes no responseContext for records it never invoked; a record claiming one would be false JSON. */
    @Test
    void recordsGivenUpForTheirAgeHaveNoResponse() {
        RequestContext aged = new RequestContext("r", "f", FailureCondition.RecordAgeExceeded, 0);
        assertThat(new FailureRecord(aged, null, T, INFO, List.of()).toJson()).doesNotContain("responseContext");
        assertThatThrownBy(() -> new FailureRecord(aged, ResponseContext.unhandled(), T, INFO, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("responseContext must be null for condition RecordAgeExceeded but was ");
        RequestContext oversized = new RequestContext("r", "f", FailureCondition.MaximumPayloadSizeExceeded, 0);
        assertThat(new FailureRecord(oversized, null, T, INFO, List.of()).toJson()).doesNotContain("responseContext");
        assertThatThrownBy(() -> new FailureRecord(oversized, ResponseContext.unhandled(), T, INFO, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("responseContext must be null for condition MaximumPayloadSizeExceeded ");
        RequestContext exhausted = new RequestContext("r", "f", FailureCondition.RetryAttemptsExhausted, 3);
        assertThat(new FailureRecord(exhausted, null, T, INFO, List.of()).responseContext()).isNull();
        assertThatThrownBy(() -> new RequestContext("r", "f", FailureCondition.RetryAttemptsExhausted, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("approximateInvokeCount must be >= 0 but was -1");
        assertThatThrownBy(() -> new FailureRecord(exhausted, null, T, null, List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("batchInfo");
    }

    @Test
    void aGivenUpRangeHoldsARecord() {
        assertThatThrownBy(() -> new StreamBatchInfo(BatchInfoStyle.KINESIS, "s", "1", "1", T, T, 0, "arn"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize must be >= 1 (a given-up range holds a record) but was 0");
        assertThatThrownBy(() -> StreamBatchInfo.of(BatchInfoStyle.KINESIS, "shardId-0", List.of(), "arn"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("records must hold at least one given-up record of shard shardId-0 but was empty");
    }

    @Test
    void batchesAndWindowsAreWhatTheEngineHandsOut() {
        assertThatThrownBy(() -> new Batch<>(List.of(), "shardId-0", "arn", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("approximateInvokeCount must be >= 1 (this invocation counts) but was 0");
        assertThatThrownBy(() -> new Batch<>(List.of(), null, "arn", 1))
                .isInstanceOf(NullPointerException.class).hasMessage("partition");
        assertThatThrownBy(() -> new TimeWindow(T, T, Map.of(), false, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a window must end after it starts, but it starts at " + T + " and ends at " + T);
    }

    @Test
    void whatSourcesAndStoresReturnIsUsable() {
        assertThatThrownBy(() -> new FetchResult<>(List.of(), -2, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("millisBehindLatest must be -1 (unknown) or >= 0 but was -2");
        assertThatThrownBy(() -> new EntryFailure(-1, "InternalError", "boom", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("index must be the entry's position (>= 0) but was -1");
        assertThatThrownBy(() -> new AcquireResult.AlreadyCompleted(null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("expiry");
        assertThat(new AcquireResult.AlreadyCompleted(null, T).payloadHash()).isNull();
    }
}
