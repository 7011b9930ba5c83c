package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KinesisLambdaAdapterTest {

    private static final Instant ARRIVAL = Instant.ofEpochMilli(1545084650987L);

    @Test
    void theEventCarriesEveryFieldOfTheRecord() {
        KinesisEvent event = KinesisLambdaAdapter.toEvent(batch("100", "200/1"));

        assertThat(event.getRecords()).hasSize(2);
        KinesisEvent.KinesisEventRecord record = event.getRecords().get(1);
        assertThat(record.getEventSource()).isEqualTo("aws:kinesis");
        assertThat(record.getEventVersion()).isEqualTo("1.0");
        assertThat(record.getEventID()).isEqualTo("shardId-000000000001:200/1");
        assertThat(record.getEventName()).isEqualTo("aws:kinesis:record");
        assertThat(record.getInvokeIdentityArn()).isEqualTo("arn:aws:iam::1:role/r");
        assertThat(record.getAwsRegion()).isEqualTo("eu-west-1");
        assertThat(record.getEventSourceARN()).isEqualTo("arn:aws:kinesis:eu-west-1:1:stream/s");
        KinesisEvent.Record kinesis = record.getKinesis();
        assertThat(kinesis.getKinesisSchemaVersion()).isEqualTo("1.0");
        assertThat(kinesis.getPartitionKey()).isEqualTo("key-200/1");
        assertThat(kinesis.getSequenceNumber()).isEqualTo("200/1");
        assertThat(StandardCharsets.UTF_8.decode(kinesis.getData()).toString()).isEqualTo("data-200/1");
        assertThat(kinesis.getApproximateArrivalTimestamp()).isEqualTo(Date.from(ARRIVAL));
        assertThat(kinesis.getEncryptionType()).as("not in Lambda's event JSON").isNull();
    }

    /**
     * Lambda's runtime decodes {@code data} from base64 into a new array and wraps it: functions call
     * {@code getData().array()}, which a read-only buffer refuses.
     */
    @Test
    void dataIsAWritableHeapBufferOfItsOwnAsLambdasRuntimeGivesIt() {
        Batch<StreamRecord<KinesisRecord>> batch = batch("100");
        KinesisEvent event = KinesisLambdaAdapter.toEvent(batch);

        java.nio.ByteBuffer data = event.getRecords().getFirst().getKinesis().getData();
        assertThat(data.isReadOnly()).isFalse();
        assertThat(data.hasArray()).isTrue();
        assertThat(new String(data.array(), data.arrayOffset() + data.position(), data.remaining(),
                StandardCharsets.UTF_8)).isEqualTo("data-100");
        data.array()[data.arrayOffset()] = 'X';
        assertThat(batch.records().getFirst().payload().dataAsString())
                .as("the record, retried with the same bytes, is not changed by the function").isEqualTo("data-100");
    }

    @Test
    void noResponseOrNoFailuresIsSuccess() {
        assertThat(KinesisLambdaAdapter.toResult(null)).isEqualTo(BatchResult.success());
        assertThat(KinesisLambdaAdapter.toResult(new StreamsEventResponse())).isEqualTo(BatchResult.success());
        assertThat(KinesisLambdaAdapter.toResult(response())).isEqualTo(BatchResult.success());
    }

    @Test
    void batchItemFailuresNameTheFailedRecordsAndKeepBadIdsForTheEngineToReject() {
        assertThat(KinesisLambdaAdapter.toResult(response("200/1", "100")))
                .isEqualTo(new BatchResult.ItemFailures(List.of("200/1", "100")));
        assertThat(KinesisLambdaAdapter.toResult(response((String) null)))
                .isEqualTo(new BatchResult.ItemFailures(Arrays.asList((String) null)));
    }

    @Test
    void theFunctionRunsUnchanged() throws Exception {
        var handler = KinesisLambdaAdapter.of(event -> response(
                event.getRecords().getLast().getKinesis().getSequenceNumber()));

        assertThat(handler.handle(batch("100", "200/1"))).isEqualTo(new BatchResult.ItemFailures(List.of("200/1")));
    }

    /** A window handler as written for Lambda: it adds to the state it is given and answers with it. */
    private static TimeWindowEventResponse count(KinesisTimeWindowEvent event, String... failedIds) {
        Map<String, String> state = event.getState();
        state.merge("count", Integer.toString(event.getRecords().size()),
                (a, b) -> Integer.toString(Integer.parseInt(a) + Integer.parseInt(b)));
        List<TimeWindowEventResponse.BatchItemFailure> failures = new ArrayList<>();
        for (String id : failedIds) {
            failures.add(TimeWindowEventResponse.BatchItemFailure.builder().withItemIdentifier(id).build());
        }
        return TimeWindowEventResponse.builder().withState(state).withBatchItemFailures(failures).build();
    }

    @Test
    void aWindowHandlerGetsKinesisTimeWindowEventAndAnswersWithState() throws Exception {
        AtomicReference<KinesisTimeWindowEvent> seen = new AtomicReference<>();
        Map<String, String> previous = Map.of("count", "4");
        BatchHandler<StreamRecord<KinesisRecord>> handler = KinesisLambdaAdapter.ofTimeWindow(event -> {
            seen.set(event);
            return count(event, "200/1");
        });

        BatchResult result = handler.handle(windowed(window(previous, false, true), "100", "200/1"));

        KinesisTimeWindowEvent event = seen.get();
        assertThat(event.getRecords()).extracting(record -> record.getKinesis().getSequenceNumber())
                .containsExactly("100", "200/1");
        assertThat(event.getWindow().getStart()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(event.getWindow().getEnd()).isEqualTo("2026-12-05T10:00:30Z");
        assertThat(event.getShardId()).isEqualTo("shardId-000000000001");
        assertThat(event.getEventSourceArn()).isEqualTo("arn:aws:kinesis:eu-west-1:1:stream/s");
        assertThat(event.getIsFinalInvokeForWindow()).isFalse();
        assertThat(event.getIsWindowTerminatedEarly()).isTrue();
        assertThat(result).isEqualTo(BatchResult.state(Map.of("count", "6"), List.of("200/1")));
        assertThat(previous).as("the window's state, which a retry hands out again").containsExactly(
                Map.entry("count", "4"));
    }

    @Test
    void theFinalInvocationOfAWindowHasNoRecordsAndItsState() throws Exception {
        AtomicReference<KinesisTimeWindowEvent> seen = new AtomicReference<>();
        BatchHandler<StreamRecord<KinesisRecord>> handler = KinesisLambdaAdapter.ofTimeWindow(event -> {
            seen.set(event);
            return TimeWindowEventResponse.builder().withState(Map.of()).build();
        });

        BatchResult result = handler.handle(windowed(window(Map.of("count", "6"), true, false)));

        assertThat(seen.get().getRecords()).isEmpty();
        assertThat(seen.get().getState()).containsExactly(Map.entry("count", "6"));
        assertThat(seen.get().getIsFinalInvokeForWindow()).isTrue();
        assertThat(result).isEqualTo(BatchResult.state(Map.of()));
    }

    @Test
    void aWindowResponseWithoutStateFailsTheInvocationAsInLambda() throws Exception {
        Batch<StreamRecord<KinesisRecord>> batch = windowed(window(Map.of(), false, false), "100");

        assertThat(KinesisLambdaAdapter.ofTimeWindow(event -> null).handle(batch))
                .isEqualTo(BatchResult.state(null));
        assertThat(KinesisLambdaAdapter.ofTimeWindow(event -> new TimeWindowEventResponse()).handle(batch))
                .isEqualTo(BatchResult.state(null));
    }

    /** As Lambda's runtime reads a plain event into a KinesisTimeWindowEvent: records only, no window fields. */
    @Test
    void withoutAWindowTheHandlerGetsThePlainEventAndItsFailuresCount() throws Exception {
        AtomicReference<KinesisTimeWindowEvent> seen = new AtomicReference<>();
        BatchResult result = KinesisLambdaAdapter.ofTimeWindow(event -> {
            seen.set(event);
            return TimeWindowEventResponse.builder().withState(Map.of("ignored", "1")).withBatchItemFailures(List.of(
                    TimeWindowEventResponse.BatchItemFailure.builder().withItemIdentifier("100").build())).build();
        }).handle(batch("100"));

        assertThat(seen.get().getRecords()).hasSize(1);
        assertThat(seen.get().getWindow()).isNull();
        assertThat(seen.get().getState()).isNull();
        assertThat(seen.get().getIsFinalInvokeForWindow()).isNull();
        assertThat(result).isEqualTo(BatchResult.failures("100"));
    }

    private static TimeWindow window(Map<String, String> state, boolean isFinal, boolean early) {
        return new TimeWindow(Instant.parse("2026-12-05T10:00:00Z"), Instant.parse("2026-12-05T10:00:30Z"), state,
                isFinal, early);
    }

    private static Batch<StreamRecord<KinesisRecord>> windowed(TimeWindow window, String... sequenceNumbers) {
        Batch<StreamRecord<KinesisRecord>> batch = batch(sequenceNumbers);
        return new Batch<>(batch.records(), batch.partition(), batch.eventSourceArn(), 1, window);
    }

    private static StreamsEventResponse response(String... failedIds) {
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        for (String id : failedIds) {
            failures.add(StreamsEventResponse.BatchItemFailure.builder().withItemIdentifier(id).build());
        }
        return StreamsEventResponse.builder().withBatchItemFailures(failures).build();
    }

    private static Batch<StreamRecord<KinesisRecord>> batch(String... sequenceNumbers) {
        List<StreamRecord<KinesisRecord>> records = new ArrayList<>();
        for (String sequenceNumber : sequenceNumbers) {
            byte[] data = ("data-" + sequenceNumber).getBytes(StandardCharsets.UTF_8);
            KinesisRecord record = KinesisRecord.of("shardId-000000000001", KinesisRecord.Kinesis.of(
                    "key-" + sequenceNumber, sequenceNumber, data, ARRIVAL, "NONE"),
                    "arn:aws:iam::1:role/r", "eu-west-1", "arn:aws:kinesis:eu-west-1:1:stream/s");
            records.add(new StreamRecord<>("shardId-000000000001", sequenceNumber, "key-" + sequenceNumber,
                    ARRIVAL, data.length, record));
        }
        return new Batch<>(records, "shardId-000000000001", "arn:aws:kinesis:eu-west-1:1:stream/s", 1);
    }
}
