package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodbstreams.DynamoDbEventJson;
import io.esm4j.dynamodbstreams.DynamoDbLambdaAdapter;
import io.esm4j.dynamodbstreams.DynamoDbRecord;
import io.esm4j.dynamodbstreams.DynamoDbStreamSource;
import io.esm4j.handler.BatchHandler;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.EventJson;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * DynamoDB Streams ({@code arn:aws:dynamodb:...:table/<table>/stream/<label>}): a stream mapping with Lambda's
 * DynamoDB event, read through the {@code dynamodbstreams} endpoint.
 */
public final class DynamoDbStreamsSourceFactory implements SourceFactory {

    private static final Set<String> FIELDS = Set.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, PARALLELIZATION_FACTOR,
            STARTING_POSITION, BISECT_BATCH_ON_FUNCTION_ERROR, MAXIMUM_RECORD_AGE, MAXIMUM_RETRY_ATTEMPTS,
            FUNCTION_RESPONSE_TYPES, FILTER_CRITERIA, DESTINATION_CONFIG, TUMBLING_WINDOW);

    private static final Set<StartingPosition> POSITIONS =
            EnumSet.of(StartingPosition.TRIM_HORIZON, StartingPosition.LATEST);

    @Override
    public String kind() {
        return "DynamoDB Streams";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return Arns.isService(spec.eventSourceArn(), "dynamodb");
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public Map<String, Object> defaults() {
        return MappingValues.streamDefaults();
    }

    @Override
    public void validate(MappingSpec spec) {
        Arns arn = Arns.parse(spec.eventSourceArn());
        if (arn == null || !arn.resource().matches("table/[^/]+/stream/[^/]+")) {
            throw new InvalidMappingException(EVENT_SOURCE_ARN, spec.eventSourceArn(), "Expected a DynamoDB stream "
                    + "ARN: arn:<partition>:dynamodb:<region>:<account>:table/<table>/stream/<label> (the table's "
                    + "LatestStreamArn).");
        }
        settings(spec, "validation");
        MappingValues.filterCriteria(spec);
        spec.onFailureDestination();
    }

    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context) {
        DynamoDbStreamSource source = DynamoDbStreamSource.builder(context.clients().dynamodbStreams())
                .streamArn(spec.eventSourceArn())
                .build();
        String destination = spec.onFailureDestination();
        return RunningMapping.of(EventSourceMapping.builder(name, source, target.limited(handler(target)))
                .settings(settings(spec, target.functionArn()))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .leaseStore(context.leaseStore())
                .workerId(context.workerId())
                .onFailure(destination == null ? null : context.destinationsBuilder()
                        .eventJson(EventJson.ofPayloads(DynamoDbRecord.class, DynamoDbEventJson::write))
                        .build().forArn(name, destination))
                .meterRegistry(context.meters())
                .build());
    }

    /** Package-private so that tests check the events and responses with and without a tumbling window. */
    @SuppressWarnings("unchecked")
    static BatchHandler<StreamRecord<DynamoDbRecord>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> TumblingWindows.json(json, DynamoDbEventJson::write);
            case Invoker.Java java -> {
                RequestHandler<DynamodbEvent, Object> handler = (RequestHandler<DynamodbEvent, Object>) java.handler();
                yield TumblingWindows.java(java, DynamoDbLambdaAdapter.of(event ->
                                (StreamsEventResponse) handler.handleRequest(event, java.context())),
                        batch -> DynamoDbLambdaAdapter.toEvent(batch).getRecords(), DynamodbTimeWindowEvent::new);
            }
        };
    }

    /** The mapping's settings, package-private so that tests check how the fields map to esm-core's settings. */
    static StreamSettings settings(MappingSpec spec, String functionArn) {
        return MappingValues.settings(() -> {
            StreamSettings.Builder builder = StreamSettings.builder().functionArn(functionArn)
                    .startingPosition(MappingValues.startingPosition(spec, "DynamoDB Streams", POSITIONS));
            return MappingValues.streamFields(builder, spec).build();
        });
    }
}
