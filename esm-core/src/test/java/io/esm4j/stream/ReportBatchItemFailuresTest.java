package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ReportBatchItemFailures on a stream (docs/lambda-semantics.md §2.3, §9): the lowest failed sequence number becomes
 * the checkpoint and only the records from it on are retried; an id that is not in the batch, null or blank, and a
 * malformed response fail the whole batch; without the setting a response is ignored.
 */
class ReportBatchItemFailuresTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryStream stream = InMemoryStream.create("rbif", 1);
    private final String shardId = stream.openShardIds().getFirst();
    private final List<StreamRecord<byte[]>> records = new ArrayList<>();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    /** The shard's checkpoint as each invocation began. */
    private final List<Optional<Checkpoint>> checkpointAtInvocation = new ArrayList<>();

    ReportBatchItemFailuresTest() {
        IntStream.range(0, 10).forEach(i -> records.add(stream.put("k", "r" + i)));
    }

    private String seq(int i) {
        return records.get(i).sequenceNumber();
    }

    private Optional<Checkpoint> at(int i) {
        return Optional.of(new Checkpoint.AtSequenceNumber(seq(i)));
    }

    /**
     * Checkpoints are written in the background, so at an invocation the store may still hold an older one than the
     * engine had reached; what must never happen is a checkpoint ahead of it: past a record not done yet.
     */
    @SafeVarargs
    private void assertCheckpointsNeverAhead(Optional<Checkpoint>... reached) {
        assertThat(checkpointAtInvocation).hasSize(reached.length);
        for (int i = 0; i < reached.length; i++) {
            Optional<Checkpoint> stored = checkpointAtInvocation.get(i);
            if (stored.isEmpty()) {
                continue;
            }
            assertThat(reached[i]).as("invocation %d: a checkpoint was stored before any was reached", i + 1)
                    .isPresent();
            assertThat(((Checkpoint.AtSequenceNumber) stored.get()).sequenceNumber()).as("invocation %d", i + 1)
                    .isLessThanOrEqualTo(((Checkpoint.AtSequenceNumber) reached[i].get()).sequenceNumber());
        }
    }

    private static List<String> range(int from, int toInclusive) {
        return IntStream.rangeClosed(from, toInclusive).mapToObj(i -> "r" + i).toList();
    }

    private static List<String> data(Batch<StreamRecord<byte[]>> batch) {
        return batch.records().stream().map(Streams::text).toList();
    }

    /**
     * Runs the ten records until the last is checkpointed. Invocation n (1-based) answers {@code responses.get(n - 1)}
     * applied to its batch; later invocations succeed.
     */
    private RecordingHandler<byte[]> run(StreamSettings settings,
                                 List<Function<Batch<StreamRecord<byte[]>>, BatchResult>> responses)
            throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            synchronized (checkpointAtInvocation) {
                checkpointAtInvocation.add(store.load("rbif", shardId));
            }
            int n = calls.incrementAndGet();
            return n <= responses.size() ? responses.get(n - 1).apply(batch) : BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("rbif", stream, handler).settings(settings)
                .leaseStore(store).onFailure(destination).meterRegistry(registry).build();
        mapping.start();
        try {
            await().until(() -> store.load("rbif", shardId), cp -> cp.equals(at(9)));
        } finally {
            Streams.stopQuietly(mapping);
        }
        return handler;
    }

    private static StreamSettings.Builder reporting() {
        return Streams.fast().reportBatchItemFailures(true);
    }

    private double counter(String name) {
        return registry.get(name).tag(MetricNames.MAPPING_TAG, "rbif").counter().count();
    }

    @Test
    void recordsBeforeTheFailedOneAreDoneAndOnlyTheRestIsRetried() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().build(), List.of(batch -> BatchResult.failures(seq(4))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(4, 9));
        assertCheckpointsNeverAhead(Optional.empty(), at(3));
        assertThat(handler.invocations().get(1).approximateInvokeCount()).isEqualTo(2);
        assertThat(destination.received()).isEmpty();
    }

    @Test
    void withSeveralIdsTheLowestSequenceNumberWins() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().build(),
                List.of(batch -> BatchResult.failures(seq(7), seq(2), seq(5))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(2, 9));
        assertCheckpointsNeverAhead(Optional.empty(), at(1));
    }

    @Test
    void successivePartialFailuresMoveTheCheckpointEachTime() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().build(),
                List.of(batch -> BatchResult.failures(seq(4)),
                        batch -> BatchResult.failures(seq(9), seq(6)),
                        batch -> BatchResult.failures(seq(9))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(4, 9), range(6, 9), range(9, 9));
        assertCheckpointsNeverAhead(Optional.empty(), at(3), at(5), at(8));
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(range(0, 9));
    }

    @Test
    void aFailureOfTheFirstRecordRetriesTheWholeBatchWithoutCheckpointing() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().build(), List.of(batch -> BatchResult.failures(seq(0))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(0, 9));
        assertCheckpointsNeverAhead(Optional.empty(), Optional.empty());
    }

    @ParameterizedTest(name = "itemIdentifier \"{0}\"")
    @ValueSource(strings = {"unknown", "", " ", "00000000000000000000", "NULL"})
    void anIdThatIsUnknownNullOrBlankFailsTheWholeBatch(String id) throws Exception {
        String itemIdentifier = id.equals("NULL") ? null : id;
        RecordingHandler<byte[]> handler = run(reporting().build(),
                List.of(batch -> BatchResult.failures(Arrays.asList(seq(6), itemIdentifier))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(0, 9));
        assertCheckpointsNeverAhead(Optional.empty(), Optional.empty());
        assertThat(counter(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(10);
    }

    @Test
    void anIdOfARecordOutsideTheBatchFailsTheWholeBatch() throws Exception {
        // r7 is in the shard but not in the first batch of five.
        RecordingHandler<byte[]> handler = run(reporting().batchSize(5).build(),
                List.of(batch -> BatchResult.failures(seq(7))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 4), range(0, 4), range(5, 9));
        assertCheckpointsNeverAhead(Optional.empty(), Optional.empty(), at(4));
    }

    @Test
    void anIdOfARecordBeforeTheRetriedOnesFailsTheWholeRetry() throws Exception {
        // r2 was done by the first invocation: the retry from r4 does not hold it, so naming it fails the retry.
        RecordingHandler<byte[]> handler = run(reporting().build(),
                List.of(batch -> BatchResult.failures(seq(4)), batch -> BatchResult.failures(seq(2))));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(4, 9), range(4, 9));
        assertCheckpointsNeverAhead(Optional.empty(), at(3), at(3));
        assertThat(counter(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(6 + 6);
    }

    @Test
    void aPartialFailureThenAThrownErrorGivesUpTheRestAsAFunctionError() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().maximumRetryAttempts(1).build(),
                List.of(batch -> BatchResult.failures(seq(4)), batch -> {
                    throw new IllegalStateException("function error");
                }));

        // N = 1: two invocations of r4..r9, the partial one counting as the first.
        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(4, 9));
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
            assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(2);
            assertThat(failure.responseContext()).isEqualTo(FailureRecord.ResponseContext.unhandled());
            assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(seq(4));
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(6);
        });
    }

    @Test
    void aMalformedResponseFailsTheWholeBatch() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().build(),
                List.of(batch -> LambdaResponses.parse("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}"),
                        batch -> new BatchResult.Malformed("not JSON")));

        assertThat(LambdaResponses.parse("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}"))
                .isInstanceOf(BatchResult.Malformed.class);
        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactly(range(0, 9), range(0, 9), range(0, 9));
        assertCheckpointsNeverAhead(Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void anEmptyFailureListIsSuccess() throws Exception {
        RecordingHandler<byte[]> handler = run(reporting().build(), List.of(batch -> BatchResult.failures(List.of())));

        assertThat(handler.invocationCount()).isEqualTo(1);
        assertThat(counter(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isZero();
    }

    @Test
    void withoutReportBatchItemFailuresAReturnedFailureListIsIgnored() throws Exception {
        RecordingHandler<byte[]> handler = run(Streams.fast().reportBatchItemFailures(false).build(),
                List.of(batch -> BatchResult.failures(seq(4)),
                        batch -> new BatchResult.Malformed("ignored too")));

        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data).containsExactly(range(0, 9));
        assertThat(counter(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isZero();
        assertThat(destination.received()).isEmpty();
    }

    @Test
    void withoutReportBatchItemFailuresAMalformedResponseIsIgnored() throws Exception {
        RecordingHandler<byte[]> handler = run(Streams.fast().reportBatchItemFailures(false).build(),
                List.of(batch -> new BatchResult.Malformed("ignored")));

        assertThat(handler.invocationCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "MaximumRetryAttempts {0}")
    @ValueSource(ints = {0, 2})
    void aPartialFailureGivenUpCoversOnlyTheRecordsFromTheLowestFailedOne(int retries) throws Exception {
        Function<Batch<StreamRecord<byte[]>>, BatchResult> failR4AndR8 = batch -> BatchResult.failures(seq(8), seq(4));
        RecordingHandler<byte[]> handler = run(reporting().maximumRetryAttempts(retries).build(),
                Collections.nCopies(retries + 1, failR4AndR8));

        List<List<String>> expected = new ArrayList<>();
        expected.add(range(0, 9));
        for (int i = 0; i < retries; i++) {
            expected.add(range(4, 9));
        }
        assertThat(handler.invocations()).extracting(ReportBatchItemFailuresTest::data)
                .containsExactlyElementsOf(expected);

        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
            assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(retries + 1);
            assertThat(failure.responseContext()).isEqualTo(FailureRecord.ResponseContext.itemFailures());
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(6);
            assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(seq(4));
            assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber()).isEqualTo(seq(9));
            assertThat(failure.records()).hasSize(6);

            String json = failure.toJson();
            assertThat(json).contains("\"functionError\":null");
            JsonNode response = JSON.readTree(json).path("responseContext");
            assertThat(response.has("functionError")).isTrue();
            assertThat(response.get("functionError").isNull()).isTrue();
            assertThat(response.path("statusCode").asInt()).isEqualTo(200);
            assertThat(JSON.readTree(json).path("KinesisBatchInfo").path("batchSize").asInt()).isEqualTo(6);
        });
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(range(0, 3));
        assertThat(counter(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(6.0 * (retries + 1));
        assertThat(counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT)).isEqualTo(6);
    }
}
