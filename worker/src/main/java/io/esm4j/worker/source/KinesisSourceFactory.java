package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisTimeWindowEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.kinesis.KinesisEventJson;
import io.esm4j.kinesis.KinesisLambdaAdapter;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.kinesis.KinesisStreamSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** Kinesis data streams ({@code arn:aws:kinesis:...:stream/<name>}): a stream mapping with Lambda's Kinesis event. */
public final class KinesisSourceFactory implements SourceFactory {

    private static final Set<String> FIELDS = Set.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, PARALLELIZATION_FACTOR,
            STARTING_POSITION, STARTING_POSITION_TIMESTAMP, BISECT_BATCH_ON_FUNCTION_ERROR, MAXIMUM_RECORD_AGE,
            MAXIMUM_RETRY_ATTEMPTS, FUNCTION_RESPONSE_TYPES, FILTER_CRITERIA, DESTINATION_CONFIG, TUMBLING_WINDOW);

    @Override
    public String kind() {
        return "Kinesis";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return Arns.isService(spec.eventSourceArn(), "kinesis");
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
        settings(spec, "validation");
        MappingValues.filterCriteria(spec);
        spec.onFailureDestination();
        Arns arn = Arns.parse(spec.eventSourceArn());
        if (arn == null || !arn.resource().startsWith("stream/") || arn.resource().contains("/consumer/")) {
            throw new InvalidMappingException(EVENT_SOURCE_ARN, spec.eventSourceArn(), "Expected a Kinesis stream "
                    + "ARN: arn:<partition>:kinesis:<region>:<account>:stream/<name> (stream consumers, i.e. "
                    + "enhanced fan-out, are not supported by esm4j).");
        }
    }

    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context) {
        KinesisStreamSource source = KinesisStreamSource.builder(context.clients().kinesis())
                .streamArn(spec.eventSourceArn())
                .build();
        String destination = spec.onFailureDestination();
        return RunningMapping.of(EventSourceMapping.builder(name, source, target.limited(handler(target)))
                .settings(settings(spec, target.functionArn()))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .leaseStore(context.leaseStore())
                .workerId(context.workerId())
                .onFailure(destination == null ? null : context.destinations().forArn(name, destination))
                .meterRegistry(context.meters())
                .build());
    }

    /** Package-private so that tests check the events and responses with and without a tumbling window. */
    @SuppressWarnings("unchecked")
    static BatchHandler<StreamRecord<KinesisRecord>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> TumblingWindows.json(json, KinesisEventJson::write);
            case Invoker.Java java -> {
                RequestHandler<KinesisEvent, Object> handler = (RequestHandler<KinesisEvent, Object>) java.handler();
                yield TumblingWindows.java(java, KinesisLambdaAdapter.of(event ->
                                (StreamsEventResponse) handler.handleRequest(event, java.context())),
                        batch -> KinesisLambdaAdapter.toEvent(batch).getRecords(), KinesisTimeWindowEvent::new);
            }
        };
    }

    private static StreamSettings settings(MappingSpec spec, String functionArn) {
        return MappingValues.settings(() -> {
            StreamSettings.Builder builder = StreamSettings.builder().functionArn(functionArn);
            builder.startingPosition(MappingValues.startingPosition(spec, "Kinesis",
                    EnumSet.allOf(StartingPosition.class)));
            builder.startingPositionTimestamp(spec.timestamp(STARTING_POSITION_TIMESTAMP));
            MappingValues.streamFields(builder, spec);
            return builder.build();
        });
    }
}
