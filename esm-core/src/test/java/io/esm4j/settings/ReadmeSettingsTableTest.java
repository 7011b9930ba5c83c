package io.esm4j.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's settings table must say what the code says: every setting's row is generated from its definition
 * and must appear verbatim, so a changed range or default cannot go undocumented.
 */
class ReadmeSettingsTableTest {

    static String row(Setting setting) {
        return "| `" + setting.name() + "` | " + setting.range() + " | " + setting.defaultText() + " | "
                + setting.description() + " |";
    }

    static List<String> streamRows() {
        return StreamSettings.ALL.stream().map(ReadmeSettingsTableTest::row).toList();
    }

    @Test
    void readmeListsEveryStreamSettingWithItsRangeAndDefault() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(streamRows()).allSatisfy(row -> assertThat(readme).contains(row));
    }

    public static void main(String[] args) {
        streamRows().forEach(System.out::println);
    }
}
