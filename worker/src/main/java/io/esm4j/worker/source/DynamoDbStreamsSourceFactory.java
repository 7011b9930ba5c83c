package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbTimeWindowEvent;
import io.esm4j.dynamodbstreams.DynamoDbEventJson;
import io.esm4j.dynamodbstreams.DynamoDbLambdaAdapter;
import io.esm4j.dynamodbstreams.DynamoDbRecord;
import io.esm4j.dynamodbstreams.DynamoDbStreamSource;
import io.esm4j.handler.BatchHandler;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.EventJson;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * DynamoDB Streams ({@code arn:aws:dynamodb:...:table/<table>/stream/<label>}): a stream mapping with Lambda's
 * DynamoDB event, read through the {@code dynamodbstreams} endpoint.
 */
public final class DynamoDbStreamsSourceFactory extends StreamSourceFactory<DynamoDbRecord> {

    private static final Set<StartingPosition> POSITIONS =
            EnumSet.of(StartingPosition.TRIM_HORIZON, StartingPosition.LATEST);

    public DynamoDbStreamsSourceFactory() {
        super("DynamoDB Streams", "dynamodb", Set.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, PARALLELIZATION_FACTOR,
                        STARTING_POSITION, BISECT_BATCH_ON_FUNCTION_ERROR, MAXIMUM_RECORD_AGE, MAXIMUM_RETRY_ATTEMPTS,
                        FUNCTION_RESPONSE_TYPES, FILTER_CRITERIA, DESTINATION_CONFIG, TUMBLING_WINDOW),
                Pattern.compile("table/[^/]+/stream/[^/]+"), "Expected a DynamoDB stream ARN: "
                        + "arn:<partition>:dynamodb:<region>:<account, 12 digits>:table/<table>/stream/<label> (the "
                        + "table's LatestStreamArn).");
    }

    @Override
    StreamSource<DynamoDbRecord> source(MappingSpec spec, WorkerContext context) {
        return DynamoDbStreamSource.builder(context.clients().dynamodbStreams())
                .streamArn(spec.eventSourceArn())
                .build();
    }

    @Override
    FailureDestinations destinations(WorkerContext context) {
        return context.destinationsBuilder()
                .eventJson(EventJson.ofPayloads(DynamoDbRecord.class, DynamoDbEventJson::write))
                .build();
    }

    @Override
    String endpointService() {
        return "dynamodbstreams";
    }

    @Override
    public Class<?> handlerEvent(MappingSpec spec) {
        return eventFor(spec, DynamodbEvent.class, DynamodbTimeWindowEvent.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    BatchHandler<StreamRecord<DynamoDbRecord>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> TumblingWindows.json(json, DynamoDbEventJson::write);
            case Invoker.Java java -> {
                RequestHandler<DynamodbEvent, Object> handler = (RequestHandler<DynamodbEvent, Object>) java.handler();
                // Any return type, as in Lambda: read as the function's response (JavaStreamResults).
                yield TumblingWindows.java(batch -> JavaStreamResults.of(handler.handleRequest(
                                DynamoDbLambdaAdapter.toEvent(batch), java.context())),
                        DynamoDbLambdaAdapter.ofTimeWindow(event ->
                                TumblingWindows.windowResponse(handler.handleRequest(event, java.context()))));
            }
        };
    }

    @Override
    StreamSettings settings(MappingSpec spec, String functionArn) {
        return MappingValues.settings(() -> {
            StreamSettings.Builder builder = StreamSettings.builder().functionArn(functionArn)
                    .startingPosition(MappingValues.startingPosition(spec, "DynamoDB Streams", POSITIONS));
            return MappingValues.streamFields(builder, spec).build();
        });
    }
}
