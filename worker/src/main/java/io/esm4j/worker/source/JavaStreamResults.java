package io.esm4j.worker.source;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.LambdaResponses;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a Java handler of a Kinesis or DynamoDB Streams mapping returned, read as Lambda reads a function's response.
 * A Lambda function of these events may return anything: AWS's DynamoDB Streams tutorial handler is a
 * {@code RequestHandler<DynamodbEvent, String>} returning a message, others return nothing or a map. Lambda reads the
 * response only with ReportBatchItemFailures (the engine ignores it otherwise), so such a handler must not fail its
 * batch for its return type, which would block the shard for up to a day.
 */
final class JavaStreamResults {

    private JavaStreamResults() {}

    /**
     * A {@code StreamsEventResponse} as the source's adapter reads it ({@code adapter}, its {@code toResult}: an entry
     * without an identifier fails the batch); anything else as {@link LambdaResponses#ofObject} reads it, as for Kafka handlers: null is success, a
     * String is the response's JSON text, any other object is written as JSON, and one that cannot be written is a
     * malformed response, which fails the batch only with ReportBatchItemFailures, as a response that is not JSON.
     */
    static BatchResult of(@Nullable Object returned, Function<StreamsEventResponse, BatchResult> adapter) {
        return returned instanceof StreamsEventResponse response ? adapter.apply(response)
                : LambdaResponses.ofObject(returned);
    }
}
