package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.filter.InvalidFilterPatternException;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reading the request fields every source shares into esm-core's types, with the field named in errors. */
final class MappingValues {

    static final String REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures";
    static final String ON_FAILURE_DESTINATION = DESTINATION_CONFIG + ".OnFailure.Destination";
    /** The function ARN of a mapping built only to be checked: it never writes a failure record. */
    static final String CHECK_ONLY_FUNCTION = "validation";

    private MappingValues() {}

    /** {@code FunctionResponseTypes: [ReportBatchItemFailures]}, the only value Lambda has. */
    static boolean reportBatchItemFailures(MappingSpec spec) {
        List<String> types = spec.strings(FUNCTION_RESPONSE_TYPES);
        for (String type : types) {
            if (!type.equals(REPORT_BATCH_ITEM_FAILURES)) {
                throw new InvalidMappingException(FUNCTION_RESPONSE_TYPES, types,
                        "Expected an empty list or [" + REPORT_BATCH_ITEM_FAILURES + "].");
            }
        }
        return !types.isEmpty();
    }

    /**
     * {@code StartingPosition}, required for stream sources, one of {@code allowed} (DynamoDB Streams has no
     * AT_TIMESTAMP).
     */
    static StartingPosition startingPosition(MappingSpec spec, String kind, Set<StartingPosition> allowed) {
        List<StartingPosition> positions = Arrays.stream(StartingPosition.values()).filter(allowed::contains).toList();
        String position = spec.text(STARTING_POSITION);
        if (position == null) {
            throw new InvalidMappingException(STARTING_POSITION, null, "StartingPosition is required for a "
                    + kind + " source: one of " + positions + ".");
        }
        return positions.stream().filter(p -> p.name().equals(position)).findFirst()
                .orElseThrow(() -> new InvalidMappingException(STARTING_POSITION, position, "Expected one of "
                        + positions + "." + (position.equals(StartingPosition.AT_TIMESTAMP.name())
                        ? " " + kind + " has no AT_TIMESTAMP, as in Lambda." : "")));
    }

    /**
     * The stream fields Kinesis, DynamoDB Streams and Kafka share, applied where the request has them (the builder's
     * defaults stay otherwise): BatchSize, MaximumBatchingWindowInSeconds, ParallelizationFactor,
     * BisectBatchOnFunctionError, MaximumRecordAgeInSeconds, MaximumRetryAttempts, FunctionResponseTypes and
     * TumblingWindowInSeconds. Which of them a source takes at all is its factory's {@code fields()}.
     */
    static StreamSettings.Builder streamFields(StreamSettings.Builder builder, MappingSpec spec) {
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
        if (spec.integer(TUMBLING_WINDOW) != null) {
            builder.tumblingWindowInSeconds(spec.integer(TUMBLING_WINDOW));
        }
        return builder.reportBatchItemFailures(reportBatchItemFailures(spec));
    }

    /** What Lambda's API reports for the stream fields a Kinesis or DynamoDB Streams request left out. */
    static Map<String, Object> streamDefaults() {
        StreamSettings defaults = StreamSettings.builder().startingPosition(StartingPosition.LATEST).build();
        // As Lambda reports a stream mapping: an empty OnFailure and an empty FunctionResponseTypes rather than none,
        // so SDK code such as destinationConfig().onFailure() written against Lambda works here too.
        return Map.of(BATCH_SIZE, defaults.batchSize(),
                MAXIMUM_BATCHING_WINDOW, defaults.maximumBatchingWindow().toSeconds(),
                PARALLELIZATION_FACTOR, defaults.parallelizationFactor(),
                MAXIMUM_RECORD_AGE, defaults.maximumRecordAgeInSeconds(),
                MAXIMUM_RETRY_ATTEMPTS, defaults.maximumRetryAttempts(),
                BISECT_BATCH_ON_FUNCTION_ERROR, defaults.bisectBatchOnFunctionError(),
                TUMBLING_WINDOW, defaults.tumblingWindowInSeconds(),
                DESTINATION_CONFIG, Map.of("OnFailure", Map.of()),
                FUNCTION_RESPONSE_TYPES, List.of());
    }

    static FilterCriteria filterCriteria(MappingSpec spec) {
        List<String> patterns = spec.filterPatterns();
        if (patterns.isEmpty()) {
            return FilterCriteria.none();
        }
        try {
            return FilterCriteria.of(patterns);
        } catch (InvalidFilterPatternException e) {
            // Lambda's wording first ("Invalid filter pattern definition."), as SDK callers see it from Lambda; the
            // filter, its field and the problem follow, and the parameter last, for a worker file of many mappings.
            throw new InvalidMappingException(FILTER_CRITERIA, e.getMessage() + " (" + FILTER_CRITERIA + ")", e);
        } catch (IllegalArgumentException e) {
            throw new InvalidMappingException(FILTER_CRITERIA, "Invalid value for FilterCriteria: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The mapping's on-failure destination, if it has one, checked as the destinations check it when the mapping is
     * built (its form, a standard queue or topic, Kafka topics only where they are reachable), without a service call.
     */
    static void checkDestination(String name, MappingSpec spec, FailureDestinations destinations) {
        String destination = spec.onFailureDestination();
        if (destination == null) {
            return;
        }
        try {
            destinations.check(name, destination);
        } catch (IllegalArgumentException e) {
            throw new InvalidMappingException(ON_FAILURE_DESTINATION, "Invalid value for " + ON_FAILURE_DESTINATION
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the mapping's source for a build check, turning the source's refusal (an ARN of another region than the
     * worker's clients, whose calls would never find it) into an error naming EventSourceArn and, for another region,
     * how to reach it.
     */
    static <S> S source(MappingSpec spec, WorkerContext context, String endpointService,
                        java.util.function.Supplier<S> make) {
        try {
            return make.get();
        } catch (InvalidMappingException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            Arns arn = Arns.parse(spec.eventSourceArn());
            String worker = context.clients().region().id();
            String hint = arn == null || arn.region().equals(worker) ? "" : " The worker's region is " + worker
                    + ": run a worker with --region " + arn.region() + " for this source, or give the "
                    + endpointService + " endpoint that serves it (--endpoint " + endpointService
                    + "=URL or the file's Endpoints).";
            throw new InvalidMappingException(EVENT_SOURCE_ARN, "Invalid value for " + EVENT_SOURCE_ARN + ": "
                    + spec.eventSourceArn() + ". " + e.getMessage() + "." + hint, e);
        }
    }

    /**
     * Runs a settings builder, turning esm-core's {@code InvalidSettingException} (which names the parameter, the
     * value and the range) into the worker's exception for the same field.
     */
    static <S> S settings(java.util.function.Supplier<S> build) {
        try {
            return build.get();
        } catch (io.esm4j.settings.InvalidSettingException e) {
            throw new InvalidMappingException(e.parameter(), e.getMessage(), e);
        }
    }
}
