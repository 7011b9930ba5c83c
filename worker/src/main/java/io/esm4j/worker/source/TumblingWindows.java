package io.esm4j.worker.source;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.handler.TimeWindow;
import io.esm4j.worker.invoke.Invoker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * TumblingWindowInSeconds for Kinesis and DynamoDB Streams mappings: esm-core cuts the windows and keeps their state
 * ({@link Batch#window()}, {@link BatchResult#state}); this class speaks Lambda's window protocol with the function.
 *
 * <p>An HTTP or Lambda Invoke target gets Lambda's event: the {@code Records} plus {@code window} ({@code start},
 * {@code end}, ISO-8601), {@code state}, {@code shardId}, {@code eventSourceARN}, {@code isFinalInvokeForWindow} and
 * {@code isWindowTerminatedEarly}; it answers {@code {"state": {...}, "batchItemFailures": [...]}}. Lambda's state is
 * any JSON object, so each value is kept as its JSON text in esm-core's string map and written back as it came (a
 * number stays a number). A response without a {@code state} object fails the invocation, as in Lambda.
 *
 * <p>A Java target gets aws-lambda-java-events' {@code KinesisTimeWindowEvent} / {@code DynamodbTimeWindowEvent}, whose
 * state is a map of strings, and answers a {@code TimeWindowEventResponse}.
 */
final class TumblingWindows {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TumblingWindows() {}

    /**
     * The handler of a JSON target: Lambda's plain event without a window, its window event with one.
     *
     * @param recordsJson writes the batch's {@code {"Records": [...]}} event
     */
    static <R> BatchHandler<R> json(Invoker.Json target, Function<Batch<R>, String> recordsJson) {
        return batch -> {
            TimeWindow window = batch.window();
            if (window == null) {
                return target.invoke(recordsJson.apply(batch)).result();
            }
            Invoker.Response response = target.invoke(event(recordsJson.apply(batch), batch, window));
            return result(response.body()).withResponse(response.context());
        };
    }

    /** The constructor shared by aws-lambda-java-events' window events ({@code KinesisTimeWindowEvent::new}, ...). */
    @FunctionalInterface
    interface JavaWindowEvent<E> {
        Object create(List<E> records, com.amazonaws.services.lambda.runtime.events.models.TimeWindow window,
                Map<String, String> state, String shardId, @Nullable String eventSourceArn,
                Boolean isFinalInvokeForWindow, Boolean isWindowTerminatedEarly);
    }

    /**
     * The handler of a Java target: {@code plain} (the source's Lambda adapter) without a window; with one, the
     * source's window event made of the batch's Lambda records, answered by a {@code TimeWindowEventResponse}.
     */
    static <R, E> BatchHandler<R> java(Invoker.Java target, BatchHandler<R> plain,
            Function<Batch<R>, List<E>> lambdaRecords, JavaWindowEvent<E> windowEvent) {
        @SuppressWarnings("unchecked")
        RequestHandler<Object, Object> handler = (RequestHandler<Object, Object>) target.handler();
        return batch -> {
            TimeWindow window = batch.window();
            if (window == null) {
                return plain.handle(batch);
            }
            // A map of the handler's own, as Lambda's runtime deserializes one: handlers written for Lambda add to
            // the state they were given and answer with it, which esm-core's unmodifiable map would refuse.
            Object event = windowEvent.create(lambdaRecords.apply(batch), model(window),
                    new LinkedHashMap<>(window.state()),
                    batch.partition(), batch.eventSourceArn(), window.isFinalInvokeForWindow(),
                    window.isWindowTerminatedEarly());
            return javaResult(handler.handleRequest(event, target.context()));
        };
    }

    /** The window event: the records event with the window's fields after {@code Records}. */
    static String event(String recordsJson, Batch<?> batch, TimeWindow window) throws JsonProcessingException {
        ObjectNode fields = JSON.createObjectNode();
        ObjectNode range = fields.putObject("window");
        range.put("start", window.start().toString());
        range.put("end", window.end().toString());
        ObjectNode state = fields.putObject("state");
        for (Map.Entry<String, String> entry : window.state().entrySet()) {
            state.set(entry.getKey(), JSON.readTree(entry.getValue()));
        }
        fields.put("shardId", batch.partition());
        fields.put("eventSourceARN", batch.eventSourceArn());
        fields.put("isFinalInvokeForWindow", window.isFinalInvokeForWindow());
        fields.put("isWindowTerminatedEarly", window.isWindowTerminatedEarly());
        String extra = JSON.writeValueAsString(fields);
        // Splicing keeps the records exactly as the source's writer made them (number formats included).
        int end = recordsJson.lastIndexOf('}');
        return recordsJson.substring(0, end) + "," + extra.substring(1);
    }

    /** The function's window response; without a {@code state} object the invocation fails. */
    static BatchResult result(@Nullable String response) {
        BatchResult failures = LambdaResponses.parse(response);
        if (failures instanceof BatchResult.Malformed) {
            return failures;
        }
        JsonNode state = null;
        if (response != null && !response.isBlank()) {
            try {
                state = JSON.readTree(response).get("state");
            } catch (JsonProcessingException e) {
                return new BatchResult.Malformed("response is not valid JSON");
            }
        }
        if (state == null || !state.isObject()) {
            return BatchResult.state(null, ids(failures));
        }
        Map<String, String> values = new LinkedHashMap<>();
        state.properties().forEach(field -> values.put(field.getKey(), field.getValue().toString()));
        return BatchResult.state(values, ids(failures));
    }

    /**
     * A Java handler's window response, a {@code TimeWindowEventResponse}; null (or one without state) fails the
     * invocation, and so does another type (an exception naming it).
     */
    static BatchResult javaResult(@Nullable Object returned) {
        if (returned == null) {
            return BatchResult.state(null);
        }
        if (!(returned instanceof TimeWindowEventResponse response)) {
            throw new IllegalStateException("The handler of a mapping with TumblingWindowInSeconds returned a "
                    + returned.getClass().getName() + "; expected a " + TimeWindowEventResponse.class.getName()
                    + " with the window's state.");
        }
        List<@Nullable Object> ids = new ArrayList<>();
        if (response.getBatchItemFailures() != null) {
            response.getBatchItemFailures().forEach(failure -> ids.add(failure == null ? null
                    : failure.getItemIdentifier()));
        }
        return BatchResult.state(response.getState(), ids);
    }

    /** aws-lambda-java-events' window model. */
    private static com.amazonaws.services.lambda.runtime.events.models.TimeWindow model(TimeWindow window) {
        return new com.amazonaws.services.lambda.runtime.events.models.TimeWindow(window.start().toString(),
                window.end().toString());
    }

    private static List<@Nullable Object> ids(BatchResult failures) {
        return failures instanceof BatchResult.ItemFailures items ? items.itemIdentifiers() : List.of();
    }
}
