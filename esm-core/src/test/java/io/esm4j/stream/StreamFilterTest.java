package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Filter criteria on a stream: only matching records are invoked; the others count as done. */
class StreamFilterTest {

    @Test
    void onlyMatchingRecordsAreInvokedAndTheCheckpointMovesPastTheOthers() throws Exception {
        InMemoryStream stream = InMemoryStream.create("filtered", 1);
        for (int i = 0; i < 20; i++) {
            stream.put("k" + i, "{\"type\":\"" + (i % 4 == 0 ? "order" : "ping") + "\",\"n\":" + i + "}");
        }
        stream.put("k", "not json");
        stream.put("k", "{\"type\":\"ping\"}");
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        RecordingLeaseStore store = new RecordingLeaseStore();
        RetainingMeterRegistry meters = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("filtered", stream, handler)
                .settings(Streams.fast().build()).leaseStore(store).meterRegistry(meters)
                .filterCriteria(FilterCriteria.of(List.of("{\"data\":{\"type\":[\"order\"]}}")))
                .build();
        String shard = stream.openShardIds().getFirst();
        String last = stream.records(shard).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> store.load("filtered", shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.succeededPayloads(Streams::utf8)).hasSize(5).allSatisfy(d -> assertThat(d).contains("\"order\""));
        assertThat(meters.counter(MetricNames.FILTERED_OUT_EVENT_COUNT, MetricNames.MAPPING_TAG, "filtered")
                .count()).isEqualTo(17);
    }

    /**
     * A batch the filter fails on never reached the function, so its failure record has no responseContext; also when
     * a split consumes the retry quota (BisectConsumesRetryQuota) and the quota runs out at the split.
     */
    @Test
    void aBatchTheFilterFailsOnIsGivenUpWithoutAResponseWhenTheSplitUsesUpTheQuota() throws Exception {
        InMemoryStream stream = InMemoryStream.create("filter-quota", 1);
        StreamRecord<byte[]> first = stream.put("k", "{\"ok\":true}");
        StreamRecord<byte[]> poison = stream.put("k", "{\"ok\":true,\"poison\":1}");
        FaultyStream source = new FaultyStream(stream);
        source.filterDocument = record -> {
            if (record.equals(poison)) {
                throw new IllegalStateException("cannot read this record");
            }
        };
        CollectingDestination destination = new CollectingDestination();
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("filter-quota", source,
                        RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().bisectBatchOnFunctionError(true).bisectConsumesRetryQuota(true)
                        .maximumRetryAttempts(0).build())
                .filterCriteria(FilterCriteria.of(List.of("{\"data\":{\"ok\":[true]}}")))
                .leaseStore(store).onFailure(destination).build();
        mapping.start();
        try {
            await().until(() -> poison.sequenceNumber().equals(store.sequenceNumber("filter-quota",
                    poison.shardId())));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(new java.util.ArrayList<Object>(failure.records())).containsExactly(first, poison);
            assertThat(failure.responseContext()).as("the function never got the batch").isNull();
        });
    }

    @Test
    void aPatternOnAnotherSourcesKeyIsRejectedAtBuildTime() {
        InMemoryStream stream = InMemoryStream.create("filtered", 1);
        assertThatThrownBy(() -> EventSourceMapping.builder("filtered", stream, RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().build())
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[\"x\"]}"))).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("FilterCriteria").hasMessageContaining("[body]").hasMessageContaining("[data]");
    }

    /** As Lambda refuses a plain pattern on Kinesis's data: on JSON object data it would filter out every record. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"data\":[\"x\"]}", "{\"data\":[{\"prefix\":\"a\"}]}",
            "{\"data\":[{\"exists\":true}]}", "{\"$or\":[{\"data\":{\"a\":[\"b\"]}},{\"data\":[\"x\"]}]}"})
    void aPlainPatternOnTheDataKeyIsRejectedAtBuildTime(String pattern) {
        InMemoryStream stream = InMemoryStream.create("filtered", 1);
        assertThatThrownBy(() -> EventSourceMapping.builder("filtered", stream, RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().build())
                .filterCriteria(FilterCriteria.of(List.of("{\"data\":{\"a\":[\"b\"]}}", pattern))).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("FilterCriteria").hasMessageContaining("JSON patterns on [data]");
    }
}
