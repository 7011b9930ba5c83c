package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.BatchDeduplicator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A name in a code span that reads like a meter's ({@code ...EventCount}, {@code ...Lag}, {@code ...Age}, ...) is one
 * the code registers: a constant of a {@code *MetricNames} class of any module, or the deduplicator's counters. A
 * renamed meter or a setting named in a shortened form (`MaximumRecordAge`) cannot stay in the docs. The few such
 * names that are AWS's own, not meters, are listed here.
 */
class DocsMeterNamesTest {

    private static final Pattern METER_LIKE = Pattern.compile(
            "`([A-Z][A-Za-z]+(?:Count|Failures|Lag|Age|Latency|Duration|Expired|TimedOut|Requested|Completed|Lost"
                    + "|Held|Taken|InUse|Waiting))`");
    private static final Pattern CONSTANT = Pattern.compile("static final String [A-Z_]+ = \"([A-Za-z]+)\"");
    /** AWS's names: an SQS attribute, a Lambda MetricsConfig value, the function response type, a store's result. */
    private static final Set<String> NOT_METERS = Set.of("ApproximateReceiveCount", "ErrorCount",
            "ReportBatchItemFailures", "AlreadyCompleted");

    @Test
    void everyMeterLikeNameInTheDocsIsARegisteredMeter() {
        Set<String> meters = meterNames(RepositoryDocs.root());
        assertThat(meters).contains("PolledEventCount", "OffsetLag", BatchDeduplicator.DEDUPLICATED_EVENT_COUNT);
        assertThat(RepositoryDocs.unknownNames(METER_LIKE, name -> meters.contains(name) || NOT_METERS.contains(name),
                "is no meter of a *MetricNames class")).isEmpty();
    }

    /** The string constants of every module's *MetricNames.java (main sources), and the deduplicator's counter. */
    static Set<String> meterNames(Path root) {
        Set<String> names = new TreeSet<>();
        names.add(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT);
        names.add(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT);
        try (Stream<Path> modules = Files.list(root)) {
            for (Path sources : modules.map(module -> module.resolve("src/main/java")).filter(Files::isDirectory)
                    .toList()) {
                try (Stream<Path> files = Files.walk(sources)) {
                    for (Path file : files.filter(f -> f.getFileName().toString().endsWith("MetricNames.java"))
                            .toList()) {
                        CONSTANT.matcher(Files.readString(file)).results().forEach(m -> names.add(m.group(1)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }
}
