package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The module README's metrics table names every meter of KafkaMetricNames, and only those. */
class KafkaMetricsReadmeTest {

    private static final Pattern NAME = Pattern.compile("`([A-Za-z]+)`");

    @Test
    void theMetricsTableListsTheMetersOfKafkaMetricNames() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Metrics\n");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        List<String> documented = new ArrayList<>();
        section.lines().filter(line -> line.startsWith("| `")).forEach(line -> NAME.matcher(line.split("\\|")[1])
                .results().forEach(match -> documented.add(match.group(1))));

        List<String> meters = new ArrayList<>();
        for (Field field : KafkaMetricNames.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                meters.add((String) field.get(null));
            }
        }
        assertThat(meters).isNotEmpty();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(meters);
    }
}
