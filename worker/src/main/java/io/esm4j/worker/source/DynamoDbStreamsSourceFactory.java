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
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.net.URI;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DynamoDB Streams ({@code arn:aws:dynamodb:...:table/<table>/stream/<label>}): a stream mapping with Lambda's
 * DynamoDB event, read through the {@code dynamodbstreams} endpoint.
 */
public final class DynamoDbStreamsSourceFactory extends StreamSourceFactory<DynamoDbRecord> {

    private static final Set<StartingPosition> POSITIONS =
            EnumSet.of(StartingPosition.TRIM_HORIZON, StartingPosition.LATEST);

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStreamsSourceFactory.class);

    /** The worker's factory warns once about a missing dynamodbstreams endpoint, not at every (re)start. */
    private final AtomicBoolean endpointWarned = new AtomicBoolean();

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
        String hint = missingStreamsEndpoint(context.clients());
        if (hint != null && !endpointWarned.getAndSet(true)) {
            LOG.warn("{} eventSourceArn={}", hint, spec.eventSourceArn());
        }
        return DynamoDbStreamSource.builder(context.clients().dynamodbStreams())
                .streamArn(spec.eventSourceArn())
                .build();
    }

    /**
     * A dynamodb endpoint override (a local DynamoDB, a LocalStack) without a dynamodbstreams one sends DynamoDB
     * Streams calls to AWS's endpoint of the region, which then refuses the local credentials: a confusing error far
     * from its cause. The dynamodb endpoint is not taken for streams instead, as it may serve only the worker's lease
     * table (dynalite has no streams). The stream client is asked, not the flags: the SDK's own settings
     * (AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_ENDPOINT_URL, a profile's services section) give it an endpoint too.
     * Returns the warning to log, or null when nothing is amiss.
     */
    static @Nullable String missingStreamsEndpoint(AwsClients clients) {
        URI dynamodb = clients.endpoints().endpoint("dynamodb");
        if (dynamodb == null
                || clients.dynamodbStreams().serviceClientConfiguration().endpointOverride().isPresent()) {
            return null;
        }
        return "DynamoDB Streams calls go to AWS's endpoint of the worker's region: --endpoint dynamodb="
                + FunctionSpec.shownUrl(dynamodb) + " is set, but no --endpoint dynamodbstreams=URL (the file's "
                + "Endpoints.dynamodbstreams), nor AWS_ENDPOINT_URL_DYNAMODB_STREAMS. The dynamodb endpoint is not "
                + "used for streams; give both flags when the stream is local or in LocalStack.";
    }

    /** After a failure of the mapping: the cause the missing dynamodbstreams endpoint suggests, in a few words. */
    @Override
    @Nullable String problemHint(WorkerContext context) {
        return missingStreamsEndpoint(context.clients()) == null ? null : "is the stream local? "
                + "--endpoint dynamodb=URL is set but no --endpoint dynamodbstreams=URL, so DynamoDB Streams calls "
                + "go to AWS's endpoint of the region";
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
                                DynamoDbLambdaAdapter.toEvent(batch), java.context()), DynamoDbLambdaAdapter::toResult),
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
