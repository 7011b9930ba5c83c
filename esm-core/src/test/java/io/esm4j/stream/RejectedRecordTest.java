package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Records their source rejected when it read them ({@link StreamRecord#rejected}, as the Kafka source does for a
 * record whose schema the registry does not have): never invoked and never filtered, given up with the source's
 * condition (one failure record per condition of a batch), no responseContext; the rest of the batch is invoked and
 * the shard moves on past them.
 */
class RejectedRecordTest {

    private final InMemoryStream stream = InMemoryStream.create("rejecting", 1);
    private final String shardId = stream.openShardIds().getFirst();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();

    @Test
    void rejectedRecordsGoToTheDestinationByConditionAndTheRestIsInvoked() throws Exception {
        stream.put("k", "{\"n\":1}");
        StreamRecord<byte[]> unknown = stream.put("k", "no-schema");
        stream.put("k", "{\"n\":2}");
        StreamRecord<byte[]> garbled = stream.put("k", "garbled");
        StreamRecord<byte[]> last = stream.put("k", "{\"n\":3}");
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();

        run(handler, true, last);

        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        assertThat(destination.received()).hasSize(2);
        List<FailureRecord> failures = destination.received().stream()
                .sorted(Comparator.comparing(failure -> failure.requestContext().condition())).toList();
        assertThat(failures).extracting(failure -> failure.requestContext().condition())
                .containsExactly(FailureCondition.SchemaNotFound, FailureCondition.DeserializationError);
        assertThat(failures).allSatisfy(failure -> {
            assertThat(failure.responseContext()).isNull();
            assertThat(failure.requestContext().approximateInvokeCount()).isZero();
        });
        assertThat(((StreamBatchInfo) failures.get(0).batchInfo()).startSequenceNumber())
                .isEqualTo(unknown.sequenceNumber());
        assertThat(((StreamBatchInfo) failures.get(1).batchInfo()).startSequenceNumber())
                .isEqualTo(garbled.sequenceNumber());
        assertThat(failures.get(0).toJson()).contains("\"condition\":\"SchemaNotFound\"")
                .doesNotContain("responseContext");
    }

    @Test
    void withoutADestinationTheyAreDroppedAndCountedAndTheFilterNeverSeesThem() throws Exception {
        stream.put("k", "{\"type\":\"order\"}");
        stream.put("k", "no-schema");
        StreamRecord<byte[]> last = stream.put("k", "{\"type\":\"ping\"}");
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();

        run(handler, false, last);

        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("{\"type\":\"order\"}");
        assertThat(registry.counter(MetricNames.DROPPED_EVENT_COUNT, MetricNames.MAPPING_TAG, "rejecting").count())
                .isEqualTo(1);
        // The ping is filtered out; the rejected record is dropped, not filtered out (the filter would not match it).
        assertThat(registry.counter(MetricNames.FILTERED_OUT_EVENT_COUNT, MetricNames.MAPPING_TAG, "rejecting")
                .count()).isEqualTo(1);
    }

    private void run(RecordingHandler<byte[]> handler, boolean withDestination, StreamRecord<byte[]> last) {
        EventSourceMapping.Builder<byte[]> builder = EventSourceMapping.builder("rejecting", new Rejecting(), handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).meterRegistry(registry)
                .filterCriteria(FilterCriteria.of(List.of("{\"data\":{\"type\":[\"order\"]}}",
                        "{\"data\":{\"n\":[{\"numeric\":[\">\",0]}]}}")));
        EventSourceMapping<byte[]> mapping = (withDestination ? builder.onFailure(destination) : builder).build();
        mapping.start();
        try {
            await().until(() -> store.load("rejecting", shardId),
                    cp -> cp.equals(Optional.of(new Checkpoint.AtSequenceNumber(last.sequenceNumber()))));
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /** The in-memory stream, rejecting the records "no-schema" and "garbled" as it reads them. */
    private final class Rejecting extends ForwardingStreamSource<byte[]> {

        Rejecting() {
            super(stream);
        }

        @Override
        public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
            ShardReader<byte[]> reader = super.openReader(shardId, start);
            return maxRecords -> {
                FetchResult<byte[]> fetched = reader.fetch(maxRecords);
                return new FetchResult<>(fetched.records().stream().map(Rejecting::rejectIfBad).toList(),
                        fetched.millisBehindLatest(), fetched.shardEnded());
            };
        }

        private static StreamRecord<byte[]> rejectIfBad(StreamRecord<byte[]> record) {
            return switch (new String(record.payload(), StandardCharsets.UTF_8)) {
                case "no-schema" -> record.rejected(FailureCondition.SchemaNotFound);
                case "garbled" -> record.rejected(FailureCondition.DeserializationError);
                default -> record;
            };
        }
    }
}
