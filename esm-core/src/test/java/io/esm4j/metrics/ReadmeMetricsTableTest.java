package io.esm4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.BatchDeduplicator;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's metrics table names every meter the engine registers, and only those, by the names in the code. */
class ReadmeMetricsTableTest {

    private static final Pattern NAME = Pattern.compile("`([A-Za-z]+)`");

    @Test
    void theMetricsTableListsTheMetersOfMetricNames() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("\n## Metrics\n"), readme.indexOf("\n## Modules\n"));
        List<String> documented = new ArrayList<>();
        section.lines().filter(line -> line.startsWith("| `")).forEach(line -> NAME.matcher(line.split("\\|")[1])
                .results().forEach(match -> documented.add(match.group(1))));

        List<String> meters = new ArrayList<>();
        for (Field field : MetricNames.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class
                    && !field.getName().endsWith("_TAG")) {
                meters.add((String) field.get(null));
            }
        }
        meters.add(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT);
        meters.add(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT);
        assertThat(documented).containsExactlyInAnyOrderElementsOf(meters);
    }
}
