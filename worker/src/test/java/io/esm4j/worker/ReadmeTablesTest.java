package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.LambdaFields;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.worker.source.SourceFactories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worker README's tables are the code's: the function settings (name, range, default and meaning) and the
 * command line's options; and its full mappings file example is one the worker accepts.
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
        List<String> documented = List.copyOf(commandLineTable().keySet());
        List<String> options = Main.Arguments.USAGE.lines().map(String::strip).filter(line -> line.startsWith("--"))
                .map(line -> line.split(" ")[0]).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(options);
    }

    /**
     * The defaults are WorkerOptions' constants: the usage text is made from them, and the table says the same
     * (backticks aside) for every option whose usage line has a default.
     */
    @Test
    void theCommandLineDefaultsAreWorkerOptionsInTheTableAndTheUsageText() throws Exception {
        Map<String, String> table = commandLineTable();
        assertThat(table).containsEntry("--data-dir", WorkerOptions.DEFAULT_DATA_DIRECTORY.toString())
                .containsEntry("--bind", WorkerOptions.DEFAULT_BIND_ADDRESS)
                .containsEntry("--port", Integer.toString(WorkerOptions.DEFAULT_PORT))
                .containsEntry("--drain-timeout", Long.toString(WorkerOptions.DEFAULT_DRAIN_TIMEOUT.toSeconds()))
                .containsEntry("--worker-id", WorkerOptions.DEFAULT_WORKER_ID_FORM);
        Pattern usageDefault = Pattern.compile("^\\s*(--[a-z-]+) .*\\(default ([^:)]+)\\)$");
        Map<String, String> usage = new LinkedHashMap<>();
        Main.Arguments.USAGE.lines().map(usageDefault::matcher).filter(Matcher::matches)
                .forEach(line -> usage.put(line.group(1), line.group(2)));
        assertThat(usage).hasSize(9);
        usage.forEach((option, value) -> assertThat(table.get(option)).as(option).isEqualTo(value));
    }

    /** The command line table of the README: each option's name and its default, without backticks. */
    private static Map<String, String> commandLineTable() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String table = readme.substring(readme.indexOf("## Command line"), readme.indexOf("## The mappings file"));
        Map<String, String> options = new LinkedHashMap<>();
        table.lines().filter(line -> line.startsWith("| `--")).forEach(line -> {
            String[] cells = line.split(" \\| ");
            options.put(line.substring(3, line.indexOf(' ', 3)).replace("`", ""), cells[1].replace("`", "").strip());
        });
        return options;
    }

    @Test
    void theFieldsAnUpdateRefusesAreThoseLambdasUpdateRequestDoesNotHave() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("those it does not have (");
        String named = readme.substring(start, readme.indexOf(')', start));
        List<String> documented = Pattern.compile("`([A-Za-z]+)`").matcher(named).results()
                .map(match -> match.group(1)).toList();
        List<String> fixed = LambdaFields.names().stream().filter(name -> !LambdaFields.UPDATABLE.contains(name))
                .toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(fixed);
    }

    /** Each mapping of the README's example passes the worker's field and value checks and names a known function. */
    @Test
    void theMappingsFileExampleIsAcceptedByTheWorker() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("```yaml\n", readme.indexOf("## The mappings file")) + "```yaml\n".length();
        WorkerFile file = WorkerFile.parse(readme.substring(start, readme.indexOf("```", start)), true);
        assertThat(file.mappings()).hasSize(6);
        SourceFactories factories = SourceFactories.discover();
        for (MappingSpec mapping : file.mappings()) {
            factories.forMapping(mapping);
            file.functions().resolve(mapping.functionName());
        }
        assertThat(file.functions().resolve("clicks").kind()).isEqualTo(FunctionSpec.Kind.JAVA);
    }
}
