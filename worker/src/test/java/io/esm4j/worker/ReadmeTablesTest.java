package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.worker.config.FunctionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worker README's tables are the code's: the function settings (name, range, default and meaning) and the
 * command line's options.
 */
class ReadmeTablesTest {

    @Test
    void functionSettingsTableMatchesFunctionSpec() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String table = readme.substring(readme.indexOf("<!-- function-settings:start -->"),
                readme.indexOf("<!-- function-settings:end -->"));
        List<String> expected = new ArrayList<>();
        FunctionSpec.ALL.forEach(setting -> expected.add(setting.tableRow()));
        assertThat(table.lines().filter(line -> line.startsWith("| `")).toList()).isEqualTo(expected);
    }

    @Test
    void everyCommandLineOptionIsInTheCommandLineTable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String table = readme.substring(readme.indexOf("## Command line"), readme.indexOf("## The mappings file"));
        List<String> documented = table.lines().filter(line -> line.startsWith("| `--"))
                .map(line -> line.substring(3, line.indexOf(' ', 3)).replace("`", "")).toList();
        List<String> options = Main.Arguments.USAGE.lines().map(String::strip).filter(line -> line.startsWith("--"))
                .map(line -> line.split(" ")[0]).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(options);
    }
}
