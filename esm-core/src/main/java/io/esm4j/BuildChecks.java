package io.esm4j;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.internal.MappingNames;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** Checks shared by the mapping builders. */
final class BuildChecks {

    private BuildChecks() {}

    /** A mapping's name scopes its checkpoints and idempotency keys and tags its metrics ({@link MappingNames}). */
    static String name(String name) {
        return MappingNames.check("name", name);
    }

    /**
     * The deduplicator's counters ({@value BatchDeduplicator#DEDUPLICATED_EVENT_COUNT},
     * {@value BatchDeduplicator#IN_PROGRESS_ELSEWHERE_EVENT_COUNT}) are taken into the mapping's meters first, so that
     * the registry hands the deduplicator those same counters and they leave the registry with the
     * mapping's other meters at stop (a deleted mapping's series would otherwise stay for good).
     */
    static <R> @Nullable BatchDeduplicator<R> deduplicator(@Nullable Idempotency<R> idempotency,
                                                           MeterRegistry registry, String mappingName, Clock clock,
                                                           EngineMetrics metrics) {
        if (idempotency == null) {
            return null;
        }
        metrics.counter(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT);
        metrics.counter(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT);
        return idempotency.deduplicator(mappingName, registry, Tags.of(MetricNames.MAPPING_TAG, mappingName), clock);
    }

    /** A source may not start at every position (DynamoDB Streams has no AT_TIMESTAMP): refused when built. */
    static void startingPosition(StartingPosition position, Set<StartingPosition> supported, Object source) {
        if (!supported.contains(position)) {
            throw new InvalidSettingException(StreamSettings.STARTING_POSITION.name(), position,
                    "one of " + new TreeSet<>(supported) + ", the starting positions "
                            + source.getClass().getSimpleName() + " supports");
        }
    }

    /** A source whose filterable keys may hold plain values, such as a queue's {@code body}. */
    static FilterCriteria filter(FilterCriteria criteria, Set<String> filterableKeys, Object source) {
        return filter(criteria, filterableKeys, Set.of(), source);
    }

    /**
     * Each source filters on its own data key only (docs/lambda-semantics.md §4.2), e.g. {@code data} for Kinesis; a
     * key matched as JSON data takes only JSON patterns, as Lambda refuses a plain one on Kinesis's {@code data} at
     * creation (on JSON object data it would filter out every record).
     */
    static FilterCriteria filter(FilterCriteria criteria, Set<String> filterableKeys, Set<String> jsonOnlyKeys,
                                 Object source) {
        // The source's class, not its ARN: reading an ARN may call the service, and a mapping builds offline.
        if (criteria.isEmpty()) {
            return criteria;
        }
        if (filterableKeys.isEmpty()) {
            throw new InvalidSettingException("FilterCriteria", criteria.patterns(),
                    "no filter criteria: " + source.getClass().getSimpleName() + " does not support filtering");
        }
        Set<String> unknown = new TreeSet<>(criteria.referencedKeys());
        unknown.removeAll(filterableKeys);
        if (!unknown.isEmpty()) {
            throw new InvalidSettingException("FilterCriteria", unknown,
                    "patterns that name only " + new TreeSet<>(filterableKeys) + " for "
                            + source.getClass().getSimpleName());
        }
        Set<String> plain = new TreeSet<>(criteria.plainValueKeys());
        plain.retainAll(jsonOnlyKeys);
        if (!plain.isEmpty()) {
            throw new InvalidSettingException("FilterCriteria", criteria.patterns(),
                    "JSON patterns on " + plain + " (an object such as {\"" + plain.iterator().next()
                            + "\": {\"field\": [\"value\"]}}): " + source.getClass().getSimpleName()
                            + " matches " + plain + " as JSON data, and takes JSON patterns on it only, as"
                            + " Lambda does");
        }
        return criteria;
    }
}
