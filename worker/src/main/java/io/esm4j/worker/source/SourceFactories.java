package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.LambdaFields;
import io.esm4j.worker.config.MappingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The source factories the worker knows: SQS, Kinesis, DynamoDB Streams and Kafka built in, then any {@link SourceFactory} on the class or
 * module path ({@link ServiceLoader}), which is how further sources plug in without changing the worker.
 */
public final class SourceFactories {

    private final List<SourceFactory> factories;

    public SourceFactories(List<SourceFactory> factories) {
        this.factories = List.copyOf(factories);
    }

    /** The built-in factories followed by those found by {@link ServiceLoader}. */
    public static SourceFactories discover() {
        List<SourceFactory> all = new ArrayList<>(List.of(new SqsSourceFactory(), new KinesisSourceFactory(),
                new DynamoDbStreamsSourceFactory(), new KafkaSourceFactory()));
        ServiceLoader.load(SourceFactory.class).forEach(all::add);
        return new SourceFactories(all);
    }

    /**
     * The factory for the mapping's source, after checking that the mapping uses only fields that source takes and
     * that every value is valid.
     */
    public SourceFactory forMapping(MappingSpec spec) {
        SourceFactory factory = factories.stream().filter(f -> f.handles(spec)).findFirst()
                .orElseThrow(() -> new InvalidMappingException(LambdaFields.EVENT_SOURCE_ARN, spec.eventSourceArn(),
                        "Expected the ARN of a source this worker reads: " + kinds() + "."));
        for (String field : spec.fieldNames()) {
            String notSupported = LambdaFields.NOT_SUPPORTED.get(field);
            if (notSupported != null) {
                JsonNode value = spec.node(field);
                throw new InvalidMappingException(field, value != null && value.isTextual() ? value.asText() : value,
                        notSupported);
            }
            if (!LambdaFields.COMMON.contains(field) && !factory.fields().contains(field)) {
                throw new InvalidMappingException(field, spec.node(field), field + " is not valid for "
                        + factory.kind() + " event sources; it takes " + String.join(", ",
                        factory.fields().stream().sorted().toList()) + ".");
            }
        }
        PollerFields.check(spec, factory instanceof KafkaSourceFactory);
        factory.validate(spec);
        return factory;
    }

    private String kinds() {
        return String.join(", ", factories.stream().map(SourceFactory::kind).toList());
    }
}
