package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The source's settings: defaults, and the README's table, which must match the code. */
class DynamoDbSourceSettingsTest {

    @Test
    void theDefaultsAreLambdasReadRateAndTheKinesisSourcesBackoff() {
        DynamoDbSourceSettings defaults = DynamoDbSourceSettings.defaults();
        assertThat(defaults.getRecordsPerSecondPerShard()).isEqualTo(4);
        assertThat(defaults.throttleBackoffInitial()).isEqualTo(Duration.ofMillis(500));
        assertThat(defaults.throttleBackoffMax()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theReadmeListsEverySettingWithItsRangeAndDefault() throws IOException {
        String readme = Files.readString(Path.of("README.md"));

        assertThat(DynamoDbSourceSettings.ALL).allSatisfy(setting -> assertThat(readme).contains(setting.tableRow()));
    }

    /** Prints the README's rows. */
    public static void main(String[] args) {
        DynamoDbSourceSettings.ALL.forEach(setting -> System.out.println(setting.tableRow()));
    }
}
