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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a handler written for Lambda against {@code aws-lambda-java-events} unchanged: it gets an {@link SQSEvent}
 * built from the batch and may return an {@link SQSBatchResponse}. The response is read as Lambda reads it: null, an
 * empty or null failure list mean success; a thrown exception fails the whole batch; with ReportBatchItemFailures on
 * the mapping, the listed message ids stay in the queue and an unknown, empty or null id fails the whole batch.
 *
 * <pre>{@code
 * BatchHandler<QueueMessage<SqsMessage>> handler = LambdaSqsHandler.requestHandler(new MyFunction());
 * }</pre>
 */
public final class LambdaSqsHandler implements BatchHandler<QueueMessage<SqsMessage>> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    private interface Invocation {
        Object invoke(SQSEvent event, Batch<QueueMessage<SqsMessage>> batch) throws Exception;
    }

    private final Invocation invocation;

    private LambdaSqsHandler(Invocation invocation) {
        this.invocation = invocation;
    }

    /**
     * A Lambda {@code RequestHandler}; it gets a {@link Context} with a fresh request id per invocation. Any response
     * type works: {@link SQSBatchResponse}, {@code Void}, or anything that serializes to the same JSON (a map, a
     * JSON string).
     */
    public static LambdaSqsHandler requestHandler(RequestHandler<SQSEvent, ?> handler) {
        return new LambdaSqsHandler((event, batch) -> handler.handleRequest(event,
                new LambdaContext(UUID.randomUUID().toString(), batch.shardId())));
    }

    /** A function from the event to the batch response; a null response means success. */
    public static LambdaSqsHandler function(Function<SQSEvent, SQSBatchResponse> function) {
        return new LambdaSqsHandler((event, batch) -> function.apply(event));
    }

    /** A handler without a response: returning means the whole batch succeeded. */
    public static LambdaSqsHandler consumer(Consumer<SQSEvent> consumer) {
        return new LambdaSqsHandler((event, batch) -> {
            consumer.accept(event);
            return null;
        });
    }

    @Override
    public BatchResult handle(Batch<QueueMessage<SqsMessage>> batch) throws Exception {
        List<SqsMessage> records = new ArrayList<>(batch.size());
        for (QueueMessage<SqsMessage> message : batch.records()) {
            records.add(message.payload());
        }
        return toResult(invocation.invoke(toEvent(records), batch));
    }

    /** The event a Lambda function would get for these records. */
    public static SQSEvent toEvent(List<SqsMessage> records) {
        List<SQSEvent.SQSMessage> messages = new ArrayList<>(records.size());
        for (SqsMessage record : records) {
            messages.add(toMessage(record));
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        return event;
    }

    static BatchResult toResult(Object response) throws JsonProcessingException {
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
        attribute.setBinaryValue(value.binaryValue());
        attribute.setStringListValues(new ArrayList<>(value.stringListValues()));
        attribute.setBinaryListValues(new ArrayList<>(value.binaryListValues()));
        attribute.setDataType(value.dataType());
        return attribute;
    }
}
