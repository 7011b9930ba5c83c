package io.esm4j.internal.lambda;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Tumbling windows for handlers written for Lambda against aws-lambda-java-events: the window events
 * ({@code KinesisTimeWindowEvent}, {@code DynamodbTimeWindowEvent}) and their {@code TimeWindowEventResponse}. One copy
 * for the Kinesis and DynamoDB Streams adapters (and through them the worker's Java targets), which differ only in
 * their records and event class; also how both read the plain {@code StreamsEventResponse}. Exported to those two
 * modules alone; aws-lambda-java-events is an optional
 * dependency, which only a caller of these methods needs.
 */
public final class TimeWindowEvents {

    private TimeWindowEvents() {}

    /** The constructor the window events share ({@code KinesisTimeWindowEvent::new}, ...). */
    @FunctionalInterface
    public interface Factory<E, V> {
        V create(List<E> records, com.amazonaws.services.lambda.runtime.events.models.@Nullable TimeWindow window,
                @Nullable Map<String, String> state, @Nullable String shardId, @Nullable String eventSourceArn,
                @Nullable Boolean isFinalInvokeForWindow, @Nullable Boolean isWindowTerminatedEarly);
    }

    /**
     * A handler that gives {@code function} the window event of each batch and reads its response.
     *
     * <p>With a window the event has the window's start and end (ISO-8601), its state in a modifiable map of the
     * handler's own (Lambda's runtime deserializes one, and handlers written for Lambda add to it and answer with it;
     * the window's state is not changed by that), the shard id, the stream ARN and the two flags; the response's
     * {@code state} and {@code batchItemFailures} become {@link BatchResult#state(Map, java.util.Collection)}, and a
     * null response or a null state fails the invocation, as in Lambda.
     *
     * <p>Without a window (a mapping without TumblingWindowInSeconds) the handler gets what Lambda's runtime makes of
     * the plain event: the records, every window field null; its {@code batchItemFailures} are read as a plain
     * response's and its state is ignored.
     *
     * @param records the batch's records as aws-lambda-java-events models them
     */
    public static <R, E, V> BatchHandler<R> handler(Function<? super V, ? extends @Nullable TimeWindowEventResponse>
            function, Function<Batch<R>, List<E>> records, Factory<E, V> factory) {
        Objects.requireNonNull(function, "function");
        return batch -> {
            TimeWindow window = batch.window();
            if (window == null) {
                TimeWindowEventResponse response = function.apply(factory.create(records.apply(batch), null, null,
                        null, null, null, null));
                return response == null ? BatchResult.success() : BatchResult.failures(ids(response));
            }
            V event = factory.create(records.apply(batch),
                    new com.amazonaws.services.lambda.runtime.events.models.TimeWindow(window.start().toString(),
                            window.end().toString()),
                    new LinkedHashMap<>(window.state()), batch.partition(), batch.eventSourceArn(),
                    window.isFinalInvokeForWindow(), window.isWindowTerminatedEarly());
            return result(function.apply(event));
        };
    }

    /**
     * A window response as a batch result: its state (null fails the invocation) and the failed ids, passed on as
     * they are so that the engine rejects bad ones.
     */
    public static BatchResult result(@Nullable TimeWindowEventResponse response) {
        return response == null ? BatchResult.state(null) : BatchResult.state(response.getState(), ids(response));
    }

    /**
     * A stream handler's {@code StreamsEventResponse} as a batch result (null or no failures: success); failed ids are
     * passed on as they are, so that the engine rejects bad ones.
     */
    public static BatchResult result(@Nullable StreamsEventResponse response) {
        if (response == null || response.getBatchItemFailures() == null) {
            return BatchResult.success();
        }
        List<@Nullable String> ids = new ArrayList<>(response.getBatchItemFailures().size());
        for (StreamsEventResponse.BatchItemFailure failure : response.getBatchItemFailures()) {
            // An entry without an identifier is malformed; the engine fails the whole batch for a null id.
            ids.add(failure == null ? null : failure.getItemIdentifier());
        }
        return BatchResult.failures(ids);
    }

    private static List<@Nullable Object> ids(TimeWindowEventResponse response) {
        List<@Nullable Object> ids = new ArrayList<>();
        if (response.getBatchItemFailures() != null) {
            // An entry without an identifier is malformed; the engine fails the whole batch for a null id.
            response.getBatchItemFailures().forEach(failure -> ids.add(failure == null ? null
                    : failure.getItemIdentifier()));
        }
        return ids;
    }
}
