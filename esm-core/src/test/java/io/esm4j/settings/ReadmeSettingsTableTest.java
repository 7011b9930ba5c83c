package io.esm4j.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's settings tables must say what the code says: each table is generated from the settings'
 * definitions and must appear verbatim between its markers, so a changed range or default cannot go undocumented.
 * Run {@link #main} to print the tables after changing a setting.
 */
class ReadmeSettingsTableTest {

    static String table(List<Setting> settings) {
        StringBuilder table = new StringBuilder("| setting | range | default | meaning |\n| --- | --- | --- | --- |\n");
        settings.forEach(setting -> table.append(setting.tableRow()).append('\n'));
        return table.toString();
    }

    private static String between(String readme, String marker) {
        String start = "<!-- " + marker + ":start -->\n";
        String end = "<!-- " + marker + ":end -->";
        int from = readme.indexOf(start);
        int to = readme.indexOf(end);
        assertThat(from).as("README marker " + start.strip()).isNotNegative();
        assertThat(to).as("README marker " + end).isGreaterThan(from);
        return readme.substring(from + start.length(), to);
    }

    @Test
    void readmeTablesMatchTheSettingsDefinitions() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(between(readme, "stream-settings")).isEqualTo(table(StreamSettings.ALL));
        assertThat(between(readme, "queue-settings")).isEqualTo(table(QueueSettings.ALL));
    }

    public static void main(String[] args) {
        System.out.println("stream-settings\n" + table(StreamSettings.ALL));
        System.out.println("queue-settings\n" + table(QueueSettings.ALL));
    }
}
