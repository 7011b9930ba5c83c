package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The module README's settings table says what KafkaSource says. */
class KafkaSettingsReadmeTest {

    @Test
    void theReadmeListsEverySettingWithItsRangeAndDefault() throws IOException {
        String readme = Files.readString(Path.of("README.md"));

        assertThat(KafkaSource.ALL).allSatisfy(setting -> assertThat(readme).contains(setting.tableRow()));
    }

    /** Prints the table's rows, for the README. */
    public static void main(String[] args) {
        KafkaSource.ALL.forEach(setting -> System.out.println(setting.tableRow()));
    }
}
