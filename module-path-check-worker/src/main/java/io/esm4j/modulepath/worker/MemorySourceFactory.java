package io.esm4j.modulepath.worker;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingDestination;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.LambdaFields;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import io.esm4j.worker.source.MappingTarget;
import io.esm4j.worker.source.RunningMapping;
import io.esm4j.worker.source.SourceFactory;
import io.esm4j.worker.source.WorkerContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A source plugged into the worker through the ServiceLoader: streams of esm-core's in-memory kind, named by
 * {@code arn:aws:memory:<region>:<account>:stream/<name>}, each giving up a record once its retry fails.
 */
public final class MemorySourceFactory implements SourceFactory {

    private static final String ARN_PREFIX = "arn:aws:memory:";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The streams by name, and what each mapping gave up by stream name, for the tests to fill and read. */
    public static final Map<String, InMemoryStream> STREAMS = new ConcurrentHashMap<>();
    public static final Map<String, RecordingDestination> GIVEN_UP = new ConcurrentHashMap<>();

    @Override
    public String kind() {
        return "Memory";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return spec.eventSourceArn() != null && spec.eventSourceArn().startsWith(ARN_PREFIX);
    }

    @Override
    public Set<String> fields() {
        return Set.of();
    }

    @Override
    public void validate(MappingSpec spec) {
        stream(spec);
    }

    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context) {
        return RunningMapping.of(EventSourceMapping.builder(name, stream(spec), target.limited(handler(target)))
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .reportBatchItemFailures(true).maximumRetryAttempts(1)
                        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(100)).build())
                .onFailure(GIVEN_UP.computeIfAbsent(streamName(spec), ignored -> new RecordingDestination()))
                .meterRegistry(context.meters())
                .build());
    }

    private static String streamName(MappingSpec spec) {
        return spec.eventSourceArn().substring(spec.eventSourceArn().lastIndexOf('/') + 1);
    }

    private static InMemoryStream stream(MappingSpec spec) {
        InMemoryStream stream = STREAMS.get(streamName(spec));
        if (stream == null) {
            throw new InvalidMappingException(LambdaFields.EVENT_SOURCE_ARN, spec.eventSourceArn(),
                    "Expected the ARN of one of the in-memory streams " + STREAMS.keySet() + ".");
        }
        return stream;
    }

    @SuppressWarnings("unchecked")
    private static BatchHandler<StreamRecord<byte[]>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> batch -> json.invoke(JSON.writeValueAsString(event(batch.records())))
                    .result(batch);
            case Invoker.Java java -> batch -> LambdaResponses.ofObject(
                    ((RequestHandler<List<Map<String, String>>, ?>) java.handler())
                            .handleRequest(event(batch.records()), java.context()));
        };
    }

    private static List<Map<String, String>> event(List<StreamRecord<byte[]>> records) {
        return records.stream().map(record -> Map.of("sequenceNumber", record.sequenceNumber(),
                "data", new String(record.payload(), StandardCharsets.UTF_8))).toList();
    }
}
