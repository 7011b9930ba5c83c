package io.esm4j.sqs;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.queue.QueueMessage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Runs a handler written for Lambda against {@code aws-lambda-java-events} unchanged: each batch becomes an
 * {@link SQSEvent}, and the {@link SQSBatchResponse} becomes the batch result. The response is read as Lambda reads
 * it: null, an empty or null failure list mean success; a thrown exception fails the whole batch; with
 * ReportBatchItemFailures on the mapping, the listed message ids stay in the queue and an unknown, empty or null id
 * fails the whole batch. The same scheme as {@code KinesisLambdaAdapter} in source-kinesis: {@code of(...)} adapts a
 * function, {@code toEvent} and {@code toResult} convert one way each.
 *
 * <pre>{@code
 * BatchHandler<QueueMessage<SqsMessage>> handler = SqsLambdaAdapter.of(new OrderFunction());
 * }</pre>
 */
// Its signatures name aws-lambda-java types; the module requires them static only: its users require them too.
@SuppressWarnings("exports")
public final class SqsLambdaAdapter {

    private static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    private interface Invocation {
        @Nullable Object invoke(SQSEvent event, Batch<QueueMessage<SqsMessage>> batch) throws Exception;
    }

    private SqsLambdaAdapter() {}

    /** A function from the event to the batch response; a null response means success. */
    public static BatchHandler<QueueMessage<SqsMessage>> of(
            Function<SQSEvent, @Nullable SQSBatchResponse> function) {
        Objects.requireNonNull(function, "function");
        return adapt((event, batch) -> function.apply(event));
    }

    /**
     * A Lambda {@code RequestHandler}; it gets a {@link Context} with a fresh request id per invocation and the queue
     * name as function name. Any response type works: {@link SQSBatchResponse}, {@code Void}, or anything that
     * serializes to the same JSON (a map, a JSON string).
     */
    public static BatchHandler<QueueMessage<SqsMessage>> of(RequestHandler<SQSEvent, ?> handler) {
        Objects.requireNonNull(handler, "handler");
        return adapt((event, batch) -> handler.handleRequest(event,
                LambdaContext.forInvocation(batch.partition())));
    }

    /**
     * A handler without a response: returning means the whole batch succeeded. Not an overload of {@code of}: a
     * lambda whose body is a method call fits both a {@code Consumer} and a {@code Function}, and the call would be
     * ambiguous.
     */
    public static BatchHandler<QueueMessage<SqsMessage>> ofConsumer(Consumer<SQSEvent> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return adapt((event, batch) -> {
            consumer.accept(event);
            return null;
        });
    }

    private static BatchHandler<QueueMessage<SqsMessage>> adapt(Invocation invocation) {
        return batch -> fromResponse(invocation.invoke(toEvent(batch), batch));
    }

    /** The batch as aws-lambda-java-events models it: the event a Lambda function would get. */
    public static SQSEvent toEvent(Batch<QueueMessage<SqsMessage>> batch) {
        List<SQSEvent.SQSMessage> messages = new ArrayList<>(batch.size());
        for (QueueMessage<SqsMessage> message : batch.records()) {
            messages.add(toMessage(message.payload()));
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        return event;
    }

    /** The response as a batch result; failed ids are passed on as they are, so the engine can reject bad ones. */
    public static BatchResult toResult(@Nullable SQSBatchResponse response) {
        try {
            return fromResponse(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an SQSBatchResponse is never serialized, so this cannot happen", e);
        }
    }

    /** Any response a {@code RequestHandler} may return, read as Lambda reads it. */
    static BatchResult fromResponse(@Nullable Object response) throws JsonProcessingException {
        if (response == null) {
            return BatchResult.success();
        }
        if (response instanceof SQSBatchResponse batchResponse) {
            if (batchResponse.getBatchItemFailures() == null) {
                return BatchResult.success();
            }
            List<String> ids = new ArrayList<>(batchResponse.getBatchItemFailures().size());
            for (SQSBatchResponse.BatchItemFailure failure : batchResponse.getBatchItemFailures()) {
                ids.add(failure == null ? null : failure.getItemIdentifier());
            }
            return BatchResult.failures(ids);
        }
        // Lambda serializes whatever the function returns and reads the JSON; doing the same keeps maps and raw
        // JSON strings working exactly as they would there.
        return LambdaResponses.parse(response instanceof String json ? json : JSON.writeValueAsString(response));
    }

    private static SQSEvent.SQSMessage toMessage(SqsMessage record) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(record.messageId());
        message.setReceiptHandle(record.receiptHandle());
        message.setBody(record.body());
        message.setAttributes(new LinkedHashMap<>(record.attributes()));
        Map<String, SQSEvent.MessageAttribute> attributes = new LinkedHashMap<>();
        record.messageAttributes().forEach((name, value) -> attributes.put(name, toAttribute(value)));
        message.setMessageAttributes(attributes);
        message.setMd5OfMessageAttributes(record.md5OfMessageAttributes());
        message.setMd5OfBody(record.md5OfBody());
        message.setEventSource(record.eventSource());
        message.setEventSourceArn(record.eventSourceArn());
        message.setAwsRegion(record.awsRegion());
        return message;
    }

    private static SQSEvent.MessageAttribute toAttribute(SqsMessageAttribute value) {
        SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
        attribute.setStringValue(value.stringValue());
        attribute.setBinaryValue(value.binaryValue() == null ? null : writableCopy(value.binaryValue()));
        attribute.setStringListValues(new ArrayList<>(value.stringListValues()));
        attribute.setBinaryListValues(new ArrayList<>(value.binaryListValues().stream()
                .map(SqsLambdaAdapter::writableCopy).toList()));
        attribute.setDataType(value.dataType());
        return attribute;
    }

    /**
     * Lambda's runtime hands a function {@code ByteBuffer.wrap(bytes)} for a base64 value, and functions call
     * {@code array()} on it; the record's buffers are read-only, which {@code array()} refuses. A copy also keeps
     * what the function writes out of the record a retry sees.
     */
    private static ByteBuffer writableCopy(ByteBuffer value) {
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        return ByteBuffer.wrap(bytes);
    }
}
