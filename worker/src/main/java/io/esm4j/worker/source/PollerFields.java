package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.LOGGING_CONFIG;
import static io.esm4j.worker.config.LambdaFields.METRICS_CONFIG;
import static io.esm4j.worker.config.LambdaFields.PROVISIONED_POLLER_CONFIG;
import static io.esm4j.worker.config.LambdaFields.SCALING_CONFIG;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import java.util.List;
import java.util.Set;

/**
 * Lambda's fields about Lambda's own pollers, which a worker does not have: {@code ProvisionedPollerConfig} (SQS and
 * Kafka: how many pollers Lambda keeps ready), {@code MetricsConfig} (which mapping metrics Lambda sends to
 * CloudWatch; the worker's are always on, at {@code /metrics}) and {@code LoggingConfig} (Kafka: the level of the
 * pollers' system logs; the worker's log level is the process's). They are checked as Lambda's API checks them, so
 * that a mapping taken from a template works here and a wrong one is refused here as it would be there, and then
 * kept and ignored.
 */
final class PollerFields {

    private static final Set<String> POLLER_KEYS = Set.of("MinimumPollers", "MaximumPollers", "PollerGroupName");

    /** Lambda's ranges of {@code ProvisionedPollerConfig}'s counts for one kind of source. */
    record PollerRanges(int lowest, int highestMinimum, int highestMaximum) {

        /** SQS keeps at least 2 pollers: MinimumPollers 2–200, MaximumPollers 2–10,000. */
        static final PollerRanges SQS = new PollerRanges(2, 200, 10_000);
        /** Kafka (MSK and self-managed): MinimumPollers 1–200, MaximumPollers 1–2,000. */
        static final PollerRanges KAFKA = new PollerRanges(1, 200, 2_000);

        /** How the worker README says it, e.g. {@code MinimumPollers SQS 2–200, Kafka 1–200}. */
        static String described() {
            return "`MinimumPollers` SQS " + SQS.lowest + "–" + String.format("%,d", SQS.highestMinimum) + ", Kafka "
                    + KAFKA.lowest + "–" + String.format("%,d", KAFKA.highestMinimum) + "; `MaximumPollers` SQS "
                    + SQS.lowest + "–" + String.format("%,d", SQS.highestMaximum) + ", Kafka " + KAFKA.lowest + "–"
                    + String.format("%,d", KAFKA.highestMaximum);
        }
    }

    private PollerFields() {}

    /** Checks the fields the mapping has; {@code kafka} for Kafka's ranges and metrics. */
    static void check(MappingSpec spec, boolean kafka) {
        JsonNode pollers = spec.node(PROVISIONED_POLLER_CONFIG);
        if (pollers != null) {
            checkPollers(pollers, kafka);
            Integer concurrency = spec.maximumConcurrency();
            if (concurrency != null) {
                throw new InvalidMappingException(SCALING_CONFIG + ".MaximumConcurrency", concurrency, "An SQS "
                        + "mapping takes ScalingConfig.MaximumConcurrency or ProvisionedPollerConfig (provisioned "
                        + "mode), not both, as in Lambda; leave one out (\"ScalingConfig\": {} removes it).");
            }
        }
        JsonNode metrics = spec.node(METRICS_CONFIG);
        if (metrics != null) {
            checkMetrics(metrics, kafka);
        }
        JsonNode logging = spec.node(LOGGING_CONFIG);
        JsonNode level = logging == null ? null : logging.get("SystemLogLevel");
        if (logging != null && (logging.size() != 1 || level == null
                || !List.of("DEBUG", "INFO", "WARN").contains(level.asText()))) {
            throw new InvalidMappingException(LOGGING_CONFIG, logging, "Expected {\"SystemLogLevel\": \"DEBUG\" | "
                    + "\"INFO\" | \"WARN\"} (the worker's log level is the whole process's; the field is kept and "
                    + "ignored).");
        }
    }

    private static void checkPollers(JsonNode pollers, boolean kafka) {
        Set<String> allowed = kafka ? POLLER_KEYS : Set.of("MinimumPollers", "MaximumPollers");
        pollers.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw new InvalidMappingException(PROVISIONED_POLLER_CONFIG + "." + name, pollers.get(name),
                        "Unknown field; allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ".");
            }
        });
        PollerRanges ranges = kafka ? PollerRanges.KAFKA : PollerRanges.SQS;
        int minimum = count(pollers, "MinimumPollers", ranges.lowest(), ranges.highestMinimum());
        int maximum = count(pollers, "MaximumPollers", ranges.lowest(), ranges.highestMaximum());
        if (pollers.has("MinimumPollers") && pollers.has("MaximumPollers") && minimum > maximum) {
            throw new InvalidMappingException(PROVISIONED_POLLER_CONFIG, pollers, "Expected MinimumPollers ("
                    + minimum + ") no greater than MaximumPollers (" + maximum + ").");
        }
        JsonNode group = pollers.get("PollerGroupName");
        if (group != null && (!group.isTextual() || group.asText().length() > 128)) {
            throw new InvalidMappingException(PROVISIONED_POLLER_CONFIG + ".PollerGroupName", group,
                    "Expected a name of at most 128 characters.");
        }
    }

    private static int count(JsonNode pollers, String name, int min, int max) {
        JsonNode value = pollers.get(name);
        if (value == null) {
            return min;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < min || value.asInt() > max) {
            throw new InvalidMappingException(PROVISIONED_POLLER_CONFIG + "." + name, value, "Expected an integer "
                    + "from " + min + " to " + String.format("%,d", max) + ".");
        }
        return value.asInt();
    }

    private static void checkMetrics(JsonNode config, boolean kafka) {
        List<String> allowed = kafka ? List.of("EventCount", "ErrorCount", "KafkaMetrics") : List.of("EventCount");
        JsonNode metrics = config.get("Metrics");
        boolean valid = config.isObject() && config.size() == 1 && metrics != null && metrics.isArray()
                && metrics.size() <= allowed.size();
        for (int i = 0; valid && i < metrics.size(); i++) {
            valid = metrics.get(i).isTextual() && allowed.contains(metrics.get(i).asText());
        }
        if (!valid) {
            throw new InvalidMappingException(METRICS_CONFIG, config, "Expected {\"Metrics\": [...]} with any of "
                    + allowed + " (the worker's metrics are always on, at /metrics; the field is kept and ignored).");
        }
    }
}
