package io.esm4j.kinesis;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.lambda.TimeWindowEvents;
import io.esm4j.stream.StreamRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Runs a handler written for Lambda against {@code aws-lambda-java-events} unchanged: each batch becomes a
 * {@link KinesisEvent}, and the {@link StreamsEventResponse} becomes the batch result. A null response, a null or
 * empty {@code batchItemFailures} list are success; each {@code itemIdentifier} names a failed record, and one that is
 * null, empty or not in the batch fails the whole batch (docs/lambda-semantics.md §9). As in Lambda, the response is
 * read only when the mapping has ReportBatchItemFailures on; a thrown exception fails the whole batch.
 *
 * <pre>{@code
 * EventSourceMapping.builder("orders", source, KinesisLambdaAdapter.of(new OrdersFunction()::handleRequest))
 * }</pre>
 *
 * <p>With TumblingWindowInSeconds, {@link #ofTimeWindow} runs a handler of Lambda's window events
 * ({@code KinesisTimeWindowEvent} answered by a {@code TimeWindowEventResponse}).
 */
// Its signatures name aws-lambda-java types; the module requires them static only: its users require them too.
@SuppressWarnings("exports")
public final class KinesisLambdaAdapter {

    private KinesisLambdaAdapter() {}

    public static BatchHandler<StreamRecord<KinesisRecord>> of(
            Function<KinesisEvent, StreamsEventResponse> function) {
        Objects.requireNonNull(function, "function");
        return batch -> toResult(function.apply(toEvent(batch)));
    }

    /**
     * Runs a handler of a mapping with TumblingWindowInSeconds written for Lambda: each batch becomes a
     * {@link KinesisTimeWindowEvent}, as Lambda's runtime makes it. It has the batch's records, the window's {@code start} and
     * {@code end} (ISO-8601), its state in a modifiable map of the handler's own (handlers written for Lambda add to
     * the state they are given and answer with it; the window's state is not changed by that), {@code shardId},
     * {@code eventSourceArn}, {@code isFinalInvokeForWindow} (the invocation without records that closes the window)
     * and {@code isWindowTerminatedEarly}. The {@link TimeWindowEventResponse}'s state goes to the window's next
     * invocation and its {@code batchItemFailures} are read as {@link #of}'s are; a null response or one without
     * state fails the invocation, as in Lambda. A thrown exception fails the whole batch.
     *
     * <p>A batch without a window (the mapping has no TumblingWindowInSeconds) gives the handler what Lambda's runtime
     * makes of the plain event: the records, every window field null; its {@code batchItemFailures} count, its state
     * is ignored.
     *
     * <pre>{@code
     * EventSourceMapping.builder("totals", source, KinesisLambdaAdapter.ofTimeWindow(new TotalsFunction()::handleRequest))
     * }</pre>
     */
    public static BatchHandler<StreamRecord<KinesisRecord>> ofTimeWindow(
            Function<KinesisTimeWindowEvent, @Nullable TimeWindowEventResponse> function) {
        return TimeWindowEvents.handler(function, batch -> toEvent(batch).getRecords(), KinesisTimeWindowEvent::new);
    }

    /**
     * The batch as aws-lambda-java-events models it. {@code data} is a writable heap buffer over a copy of the
     * record's bytes, as Lambda's runtime gives it (it decodes the base64 into a new array): functions call
     * {@code getData().array()}, and what they write into it does not reach the record, which a retry hands over
     * again.
     */
    public static KinesisEvent toEvent(Batch<StreamRecord<KinesisRecord>> batch) {
        List<KinesisEvent.KinesisEventRecord> records = new ArrayList<>(batch.size());
        for (StreamRecord<KinesisRecord> streamRecord : batch.records()) {
            KinesisRecord record = streamRecord.payload();
            KinesisRecord.Kinesis source = record.kinesis();
            KinesisEvent.Record kinesis = new KinesisEvent.Record();
            kinesis.setKinesisSchemaVersion(source.kinesisSchemaVersion());
            kinesis.setPartitionKey(source.partitionKey());
            kinesis.setSequenceNumber(source.sequenceNumber());
            kinesis.setData(ByteBuffer.wrap(source.data().clone()));
            kinesis.setApproximateArrivalTimestamp(Date.from(source.approximateArrivalTimestamp()));
            // Not set: Lambda's event JSON has no encryptionType, so its runtime leaves the field null.
            KinesisEvent.KinesisEventRecord eventRecord = new KinesisEvent.KinesisEventRecord();
            eventRecord.setKinesis(kinesis);
            eventRecord.setEventSource(record.eventSource());
            eventRecord.setEventVersion(record.eventVersion());
            eventRecord.setEventID(record.eventID());
            eventRecord.setEventName(record.eventName());
            eventRecord.setInvokeIdentityArn(record.invokeIdentityArn());
            eventRecord.setAwsRegion(record.awsRegion());
            eventRecord.setEventSourceARN(record.eventSourceARN());
            records.add(eventRecord);
        }
        KinesisEvent event = new KinesisEvent();
        event.setRecords(records);
        return event;
    }

    /** The response as a batch result; failed ids are passed on as they are, so the engine can reject bad ones. */
    public static BatchResult toResult(@Nullable StreamsEventResponse response) {
        return TimeWindowEvents.result(response);
    }
}
