package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
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
