package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.worker.config.LambdaFields;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Mapping fields" table says which source takes which of Lambda's fields: a cell with something in it
 * under a source means the worker accepts the field there (the fields every mapping takes, or the source factory's),
 * an empty one that it refuses it; and every field of Lambda's request has a row.
 */
class MappingFieldsTableTest {

    private static final Pattern FIELD = Pattern.compile("`([A-Za-z]+)[.`]");

    @Test
    void theMappingFieldsTableSaysWhichSourceTakesWhichField() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("### Mapping fields");
        String table = readme.substring(start, readme.indexOf("\n\n", readme.indexOf("\n|", start)));
        List<SourceFactory> factories = List.of(new SqsSourceFactory(), new KinesisSourceFactory(),
                new DynamoDbStreamsSourceFactory(), new KafkaSourceFactory());
        List<String> header = cells(table.lines().filter(line -> line.startsWith("| field")).findFirst().orElseThrow());
        assertThat(header.subList(1, 5)).containsExactlyElementsOf(factories.stream().map(SourceFactory::kind).toList());

        List<String> problems = new ArrayList<>();
        Set<String> documented = new HashSet<>();
        for (String line : table.lines().filter(line -> line.startsWith("| `")).toList()) {
            List<String> cells = cells(line);
            Set<String> fields = new HashSet<>();
            FIELD.matcher(cells.get(0)).results().forEach(match -> fields.add(match.group(1)));
            documented.addAll(fields);
            for (String field : fields) {
                for (int i = 0; i < factories.size(); i++) {
                    SourceFactory factory = factories.get(i);
                    boolean takes = LambdaFields.COMMON.contains(field) || factory.fields().contains(field);
                    boolean saysTakes = !cells.get(i + 1).isBlank();
                    if (takes != saysTakes) {
                        problems.add(field + " under " + factory.kind() + ": the README says "
                                + (saysTakes ? "taken" : "not taken") + ", the worker " + (takes ? "takes" : "refuses") + " it");
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(documented).containsAll(LambdaFields.names());
    }

    /** A table row's cells, without the outer pipes; an escaped pipe (\|) stays inside its cell. */
    private static List<String> cells(String row) {
        String inner = row.strip().substring(1, row.strip().length() - 1);
        List<String> cells = new ArrayList<>();
        for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
            cells.add(cell.strip());
        }
        return cells;
    }
}
