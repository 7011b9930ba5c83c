package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.LambdaResponses;
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
import java.util.Arrays;
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
        StreamSettings defaults = StreamSettings.builder().startingPosition(StartingPosition.LATEST).build();
        return Map.of(BATCH_SIZE, defaults.batchSize(),
                MAXIMUM_BATCHING_WINDOW, defaults.maximumBatchingWindow().toSeconds(),
                PARALLELIZATION_FACTOR, defaults.parallelizationFactor(),
                MAXIMUM_RECORD_AGE, defaults.maximumRecordAgeInSeconds(),
                MAXIMUM_RETRY_ATTEMPTS, defaults.maximumRetryAttempts(),
                BISECT_BATCH_ON_FUNCTION_ERROR, defaults.bisectBatchOnFunctionError(),
                TUMBLING_WINDOW, defaults.tumblingWindowInSeconds());
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
        Integer window = spec.integer(TUMBLING_WINDOW);
        if (window != null && window > 0) {
            throw new InvalidMappingException(TUMBLING_WINDOW, window, "The worker does not support tumbling "
                    + "windows yet; leave TumblingWindowInSeconds out or 0 (the esm4j library supports them).");
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

    @SuppressWarnings("unchecked")
    private static BatchHandler<StreamRecord<KinesisRecord>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> batch -> LambdaResponses.parse(json.invoke(KinesisEventJson.write(batch)));
            case Invoker.Java java -> {
                RequestHandler<KinesisEvent, StreamsEventResponse> handler =
                        (RequestHandler<KinesisEvent, StreamsEventResponse>) java.handler();
                yield KinesisLambdaAdapter.of(event -> handler.handleRequest(event, new WorkerLambdaContext()));
            }
        };
    }

    private static StreamSettings settings(MappingSpec spec, String functionArn) {
        return MappingValues.settings(() -> {
            StreamSettings.Builder builder = StreamSettings.builder().functionArn(functionArn);
            String position = spec.text(STARTING_POSITION);
            if (position == null) {
                throw new InvalidMappingException(STARTING_POSITION, null, "StartingPosition is required for a "
                        + "Kinesis source: TRIM_HORIZON, LATEST or AT_TIMESTAMP.");
            }
            try {
                builder.startingPosition(StartingPosition.valueOf(position));
            } catch (IllegalArgumentException e) {
                throw new InvalidMappingException(STARTING_POSITION, position, "Expected one of "
                        + Arrays.toString(StartingPosition.values()) + ".");
            }
            builder.startingPositionTimestamp(spec.timestamp(STARTING_POSITION_TIMESTAMP));
            if (spec.integer(BATCH_SIZE) != null) {
                builder.batchSize(spec.integer(BATCH_SIZE));
            }
            if (spec.integer(MAXIMUM_BATCHING_WINDOW) != null) {
                builder.maximumBatchingWindowInSeconds(spec.integer(MAXIMUM_BATCHING_WINDOW));
            }
            if (spec.integer(PARALLELIZATION_FACTOR) != null) {
                builder.parallelizationFactor(spec.integer(PARALLELIZATION_FACTOR));
            }
            if (spec.bool(BISECT_BATCH_ON_FUNCTION_ERROR) != null) {
                builder.bisectBatchOnFunctionError(spec.bool(BISECT_BATCH_ON_FUNCTION_ERROR));
            }
            if (spec.integer(MAXIMUM_RECORD_AGE) != null) {
                builder.maximumRecordAgeInSeconds(spec.integer(MAXIMUM_RECORD_AGE));
            }
            if (spec.integer(MAXIMUM_RETRY_ATTEMPTS) != null) {
                builder.maximumRetryAttempts(spec.integer(MAXIMUM_RETRY_ATTEMPTS));
            }
            builder.reportBatchItemFailures(MappingValues.reportBatchItemFailures(spec));
            return builder.build();
        });
    }
}
