package io.esm4j.worker.source;

import com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.handler.TimeWindow;
import io.esm4j.worker.invoke.Invoker;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * TumblingWindowInSeconds for Kinesis and DynamoDB Streams mappings: esm-core cuts the windows and keeps their state
 * ({@link Batch#window()}), and the library speaks Lambda's window protocol; this class picks the library's way for
 * each kind of target.
 *
 * <p>An HTTP or Lambda Invoke target gets Lambda's event as the source's event writer makes it (with a window: the
 * {@code Records} plus {@code window}, {@code state}, {@code shardId}, {@code eventSourceARN},
 * {@code isFinalInvokeForWindow} and {@code isWindowTerminatedEarly}), and its response is read by
 * {@link LambdaResponses#parse(Batch, String)}: a response without a {@code state} object fails the invocation, and
 * each state value is kept as its JSON text, written back as it came (a number stays a number).
 *
 * <p>A Java target of a windowed mapping gets aws-lambda-java-events' {@code KinesisTimeWindowEvent} /
 * {@code DynamodbTimeWindowEvent} and answers a {@code TimeWindowEventResponse}, through the source's Lambda adapter
 * ({@code ofTimeWindow}); without a window it runs through the adapter's plain {@code of}.
 */
final class TumblingWindows {

    private TumblingWindows() {}

    /** The handler of a JSON target: Lambda's plain event without a window, its window event with one. */
    static <R> BatchHandler<R> json(Invoker.Json target, Function<Batch<R>, String> event) {
        return batch -> target.invoke(event.apply(batch)).result(batch);
    }

    /**
     * The handler of a Java target: {@code plain} (the source adapter's {@code of}) for a batch without a window,
     * {@code windowed} (its {@code ofTimeWindow}) for one with a window.
     */
    static <R> BatchHandler<R> java(BatchHandler<R> plain, BatchHandler<R> windowed) {
        return batch -> {
            TimeWindow window = batch.window();
            return window == null ? plain.handle(batch) : windowed.handle(batch);
        };
    }

    /**
     * What a Java handler of a windowed mapping returned, as the {@code TimeWindowEventResponse} it must be: null
     * (which fails the invocation) or that type; another type throws an exception naming it.
     */
    static @Nullable TimeWindowEventResponse windowResponse(@Nullable Object returned) {
        if (returned == null || returned instanceof TimeWindowEventResponse) {
            return (TimeWindowEventResponse) returned;
        }
        throw new IllegalStateException("The handler of a mapping with TumblingWindowInSeconds returned a "
                + returned.getClass().getName() + "; expected a " + TimeWindowEventResponse.class.getName()
                + " with the window's state.");
    }
}
