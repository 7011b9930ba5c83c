package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A source that says a record is too large for one invocation on its own ({@link StreamSource#exceedsPayloadLimit},
 * as the Kafka source does past 6 MB) gets it given up without an invocation: condition MaximumPayloadSizeExceeded,
 * no responseContext, no invocation counted; the rest of its batch is invoked and the shard moves on. A source whose
 * events hold more than their records ({@link StreamSource#eventEnvelopeBytes}) has that counted once per batch
 * against the 6 MB cap.
 */
class OversizedRecordTest {

    /** Over the 6 MB cap on its own. */
    private static final byte[] HUGE = new byte[StreamSettings.MAX_PAYLOAD_BYTES + 1];

    private final InMemoryStream stream = InMemoryStream.create("oversized", 1);
    private final String shardId = stream.openShardIds().getFirst();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();

    @Test
    void theRecordGoesToTheDestinationWithoutAnInvocationAndTheRestOfItsBatchIsInvoked() throws Exception {
        stream.put("k", "a");
        StreamRecord<byte[]> huge = stream.put("k", HUGE);
        StreamRecord<byte[]> last = stream.put("k", "b");
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        run(handler, true, last);

        assertThat(handler.invocations()).allSatisfy(batch ->
                assertThat(batch.records()).extracting(StreamRecord::sizeBytes).allMatch(size -> size < HUGE.length));
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("a", "b");
        FailureRecord failure = destination.received().getFirst();
        assertThat(destination.received()).hasSize(1);
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.MaximumPayloadSizeExceeded);
        assertThat(failure.requestContext().approximateInvokeCount()).isZero();
        assertThat(failure.responseContext()).isNull();
        assertThat(failure.toJson()).doesNotContain("responseContext")
                .contains("\"condition\":\"MaximumPayloadSizeExceeded\"");
        StreamBatchInfo info = (StreamBatchInfo) failure.batchInfo();
        assertThat(info.startSequenceNumber()).isEqualTo(huge.sequenceNumber());
        assertThat(info.endSequenceNumber()).isEqualTo(huge.sequenceNumber());
    }

    @Test
    void withoutADestinationTheRecordIsDroppedAndCounted() throws Exception {
        stream.put("k", HUGE);
        StreamRecord<byte[]> last = stream.put("k", "b");
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        run(handler, false, last);

        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("b");
        assertThat(registry.get(MetricNames.DROPPED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, "oversized").counter()
                .count()).isEqualTo(1);
    }

    @Test
    void theEventsEnvelopeCountsOncePerBatchAgainstTheCap() throws Exception {
        byte[] oneMib = new byte[1024 * 1024];
        StreamRecord<byte[]> last = null;
        for (int i = 0; i < 12; i++) {
            last = stream.put("k", oneMib);
        }
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        // Six records of 1 MiB make exactly the 6 MiB cap (BatchingTest); with an envelope of one byte, five do.
        run(handler, new HugeIsTooLarge(1), false, last);

        assertThat(handler.invocations()).extracting(batch -> batch.size()).containsExactly(5, 5, 2);
    }

    private void run(RecordingHandler<byte[]> handler, boolean withDestination, StreamRecord<byte[]> last) {
        run(handler, new HugeIsTooLarge(0), withDestination, last);
    }

    private void run(RecordingHandler<byte[]> handler, StreamSource<byte[]> source, boolean withDestination,
                     StreamRecord<byte[]> last) {
        EventSourceMapping.Builder<byte[]> builder = EventSourceMapping.builder("oversized", source, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).meterRegistry(registry);
        EventSourceMapping<byte[]> mapping = (withDestination ? builder.onFailure(destination) : builder).build();
        mapping.start();
        try {
            await().until(() -> store.load("oversized", shardId),
                    cp -> cp.equals(Optional.of(new Checkpoint.AtSequenceNumber(last.sequenceNumber()))));
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /**
     * The in-memory stream, whose events hold {@code envelope} bytes besides their records and whose records over the
     * cap with it are over the payload limit, as the Kafka source's are.
     */
    private final class HugeIsTooLarge extends ForwardingStreamSource<byte[]> {

        private final int envelope;

        HugeIsTooLarge(int envelope) {
            super(stream);
            this.envelope = envelope;
        }

        @Override
        public int eventEnvelopeBytes(String shardId) {
            return envelope;
        }

        @Override
        public boolean exceedsPayloadLimit(StreamRecord<byte[]> record) {
            return envelope + record.sizeBytes() > StreamSettings.MAX_PAYLOAD_BYTES;
        }
    }
}
