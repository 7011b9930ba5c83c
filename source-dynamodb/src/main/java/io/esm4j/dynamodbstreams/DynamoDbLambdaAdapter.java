package io.esm4j.dynamodbstreams;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.Identity;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.lambda.TimeWindowEvents;
import io.esm4j.stream.StreamRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Runs a handler written for Lambda against {@code aws-lambda-java-events} unchanged: each batch becomes a
 * {@link DynamodbEvent}, and the {@link StreamsEventResponse} becomes the batch result. A null response, a null or
 * empty {@code batchItemFailures} list are success; each {@code itemIdentifier} names a failed record by its
 * {@code SequenceNumber}, and one that is null, empty or not in the batch fails the whole batch. As in Lambda, the
 * response is read only when the mapping has ReportBatchItemFailures on; a thrown exception fails the whole batch.
 *
 * <pre>{@code
 * EventSourceMapping.builder("orders", source, DynamoDbLambdaAdapter.of(new OrdersFunction()::handleRequest))
 * }</pre>
 *
 * <p>With TumblingWindowInSeconds, {@link #ofTimeWindow} runs a handler of Lambda's window events
 * ({@code DynamodbTimeWindowEvent} answered by a {@code TimeWindowEventResponse}).
 */
// Its signatures name aws-lambda-java types; the module requires them static only: its users require them too.
@SuppressWarnings("exports")
public final class DynamoDbLambdaAdapter {

    private DynamoDbLambdaAdapter() {}

    public static BatchHandler<StreamRecord<DynamoDbRecord>> of(
            Function<DynamodbEvent, StreamsEventResponse> function) {
        Objects.requireNonNull(function, "function");
        return batch -> toResult(function.apply(toEvent(batch)));
    }

    /**
     * Runs a handler of a mapping with TumblingWindowInSeconds written for Lambda: each batch becomes a
     * {@link DynamodbTimeWindowEvent}, as Lambda's runtime makes it. It has the batch's records, the window's {@code start} and
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
     * EventSourceMapping.builder("totals", source, DynamoDbLambdaAdapter.ofTimeWindow(new TotalsFunction()::handleRequest))
     * }</pre>
     */
    public static BatchHandler<StreamRecord<DynamoDbRecord>> ofTimeWindow(
            Function<DynamodbTimeWindowEvent, @Nullable TimeWindowEventResponse> function) {
        return TimeWindowEvents.handler(function, batch -> toEvent(batch).getRecords(), DynamodbTimeWindowEvent::new);
    }

    /**
     * The batch as aws-lambda-java-events models it, as Lambda's runtime would deserialize it: binary values are heap
     * buffers ({@code getB().array()} works) and lists are modifiable, all copies made for this call, so that what a
     * handler changes in them never reaches the record a retry hands out again.
     */
    public static DynamodbEvent toEvent(Batch<StreamRecord<DynamoDbRecord>> batch) {
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>(batch.size());
        for (StreamRecord<DynamoDbRecord> streamRecord : batch.records()) {
            DynamoDbRecord record = streamRecord.payload();
            DynamoDbRecord.Dynamodb source = record.dynamodb();
            com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord dynamodb =
                    new com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord();
            dynamodb.setApproximateCreationDateTime(Date.from(source.approximateCreationDateTime()));
            dynamodb.setKeys(item(source.keys()));
            dynamodb.setNewImage(source.newImage() == null ? null : item(source.newImage()));
            dynamodb.setOldImage(source.oldImage() == null ? null : item(source.oldImage()));
            dynamodb.setSequenceNumber(source.sequenceNumber());
            dynamodb.setSizeBytes(source.sizeBytes());
            dynamodb.setStreamViewType(com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamViewType
                    .fromValue(source.streamViewType()));
            DynamodbEvent.DynamodbStreamRecord eventRecord = new DynamodbEvent.DynamodbStreamRecord();
            eventRecord.setEventID(record.eventID());
            eventRecord.setEventName(record.eventName());
            eventRecord.setEventVersion(record.eventVersion());
            eventRecord.setEventSource(record.eventSource());
            eventRecord.setAwsRegion(record.awsRegion());
            eventRecord.setDynamodb(dynamodb);
            eventRecord.setEventSourceARN(record.eventSourceARN());
            if (record.userIdentity() != null) {
                Identity identity = new Identity();
                identity.setPrincipalId(record.userIdentity().principalId());
                identity.setType(record.userIdentity().type());
                eventRecord.setUserIdentity(identity);
            }
            records.add(eventRecord);
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    /** The response as a batch result; failed ids are passed on as they are, so the engine can reject bad ones. */
    public static BatchResult toResult(@Nullable StreamsEventResponse response) {
        return TimeWindowEvents.result(response);
    }

    private static Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> item(
            Map<String, AttributeValue> item) {
        Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> converted =
                new LinkedHashMap<>();
        item.forEach((name, value) -> converted.put(name, value(value)));
        return converted;
    }

    private static com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue value(
            AttributeValue value) {
        com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue converted =
                new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue();
        switch (value.type()) {
            case S -> converted.setS(value.s());
            case N -> converted.setN(value.n());
            case B -> converted.setB(bytes(value.b()));
            case BOOL -> converted.setBOOL(value.bool());
            case NUL -> converted.setNULL(true);
            case SS -> converted.setSS(new ArrayList<>(value.ss()));
            case NS -> converted.setNS(new ArrayList<>(value.ns()));
            case BS -> converted.setBS(value.bs().stream().map(DynamoDbLambdaAdapter::bytes)
                    .collect(Collectors.toCollection(ArrayList::new)));
            case M -> converted.setM(item(value.m()));
            case L -> converted.setL(value.l().stream().map(DynamoDbLambdaAdapter::value)
                    .collect(Collectors.toCollection(ArrayList::new)));
            default -> throw new IllegalArgumentException("an attribute value of a type this SDK version does not "
                    + "know: " + value.type());
        }
        return converted;
    }

    /** A writable heap copy, as Jackson's ByteBuffer deserializer gives Lambda handlers ({@code ByteBuffer.wrap}). */
    private static ByteBuffer bytes(SdkBytes bytes) {
        return ByteBuffer.wrap(bytes.asByteArray());
    }
}
