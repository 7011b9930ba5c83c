package io.esm4j.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The repository's Markdown files, found from this module's folder (Surefire runs tests in the module's folder). */
final class RepositoryDocs {

    private static final Set<String> SKIPPED_FOLDERS = Set.of(".git", "node_modules", "target");

    private RepositoryDocs() {}

    /** The repository's root: the nearest folder above the working directory that holds the Maven wrapper. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Every *.md file of the repository, except under .git, node_modules and target folders. */
    static List<Path> markdownFiles() {
        Path root = root();
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .filter(Files::isRegularFile)
                    .filter(p -> root.relativize(p).getNameCount() == 1
                            || stream(root.relativize(p).getParent()).noneMatch(SKIPPED_FOLDERS::contains))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every name {@code pattern}'s first group finds outside fenced code in the Markdown files that {@code known}
     * does not accept, as {@code <file>:<line>: <name> <problem>}.
     */
    static List<String> unknownNames(Pattern pattern, Predicate<String> known, String problem) {
        Path root = root();
        List<String> problems = new ArrayList<>();
        for (Path file : markdownFiles()) {
            List<String> lines = linesOutsideCode(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher name = pattern.matcher(lines.get(i));
                while (name.find()) {
                    if (!known.test(name.group(1))) {
                        problems.add(root.relativize(file) + ":" + (i + 1) + ": " + name.group(1) + " " + problem);
                    }
                }
            }
        }
        return problems;
    }

    private static Stream<String> stream(Path relative) {
        List<String> names = new ArrayList<>();
        relative.forEach(name -> names.add(name.toString()));
        return names.stream();
    }

    /** The file's lines with fenced code blocks (``` or ~~~) blanked out, so line numbers stay right. */
    static List<String> linesOutsideCode(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> result = new ArrayList<>(lines.size());
        String fence = null;
        for (String line : lines) {
            String trimmed = line.strip();
            if (fence == null && (trimmed.startsWith("```") || trimmed.startsWith("~~~"))) {
                fence = trimmed.substring(0, 3);
                result.add("");
            } else if (fence != null) {
                if (trimmed.startsWith(fence)) {
                    fence = null;
                }
                result.add("");
            } else {
                result.add(line);
            }
        }
        return result;
    }
}
