package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Markdown table in the repository renders as one table: a run of table lines starts with a header row and
 * a delimiter row, and every row has as many cells as the header. A blank line inside a table ends it, and the rows
 * after it would render as a broken table of their own (no header, no delimiter): this test names them.
 */
class MarkdownTablesTest {

    private static final Pattern DELIMITER_ROW = Pattern.compile("\\|?\\s*:?-{3,}:?\\s*(\\|\\s*:?-{3,}:?\\s*)*\\|?");

    @Test
    void everyTableHasAHeaderAndNoBlankLineSplitsIt() {
        List<String> problems = new ArrayList<>();
        Path root = RepositoryDocs.root();
        for (Path file : RepositoryDocs.markdownFiles()) {
            problems.addAll(problems(root.relativize(file).toString(), RepositoryDocs.linesOutsideCode(file)));
        }
        assertThat(RepositoryDocs.markdownFiles()).as("Markdown files found").isNotEmpty();
        assertThat(problems).isEmpty();
    }

    @Test
    void aBlankLineInsideATableIsFound() {
        List<String> lines = List.of("| a | b |", "| --- | --- |", "| 1 | 2 |", "", "| 3 | 4 |", "| 5 | 6 |");
        assertThat(problems("x.md", lines)).singleElement().asString().startsWith("x.md:5:");
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsFound() {
        List<String> lines = List.of("| a | b |", "| --- | --- |", "| 1 | 2 | 3 |", "| `x \\| y` | `a|b` |");
        assertThat(problems("x.md", lines)).singleElement().asString().startsWith("x.md:3:");
    }

    static List<String> problems(String name, List<String> lines) {
        List<String> problems = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            if (!isTableLine(lines.get(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < lines.size() && isTableLine(lines.get(i))) {
                i++;
            }
            List<String> table = lines.subList(start, i);
            if (table.size() < 2 || !DELIMITER_ROW.matcher(table.get(1).strip()).matches()) {
                problems.add(name + ":" + (start + 1) + ": table rows without a header and delimiter row above them"
                        + " (a blank line splitting a table?): " + table.getFirst());
                continue;
            }
            int columns = cells(table.getFirst());
            for (int row = 1; row < table.size(); row++) {
                if (cells(table.get(row)) != columns) {
                    problems.add(name + ":" + (start + row + 1) + ": " + cells(table.get(row)) + " cells, the header has "
                            + columns + ": " + table.get(row));
                }
            }
        }
        return problems;
    }

    private static boolean isTableLine(String line) {
        return line.strip().startsWith("|");
    }

    /** Cells of a row: pipes that are not escaped and not inside a code span separate them. */
    static int cells(String row) {
        String line = row.strip();
        int separators = 0;
        boolean inCode = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '`') {
                inCode = !inCode;
            } else if (c == '|' && !inCode) {
                separators++;
            }
        }
        if (line.startsWith("|")) {
            separators--;
        }
        if (line.endsWith("|") && !line.endsWith("\\|")) {
            separators--;
        }
        return separators + 1;
    }
}
