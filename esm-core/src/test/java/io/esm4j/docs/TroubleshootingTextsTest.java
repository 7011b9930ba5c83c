package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every status text a mapping can show (its StateTransitionReason or LastProcessingResult) is explained in
 * docs/troubleshooting.md: a user who sees one finds there what happened and what to do. The texts are read from the
 * main sources of every module: each string literal that starts with {@code PROBLEM: }, the failures a queue poller
 * and its heartbeat show behind {@code PROBLEM: } (their texts are given without it), the lease writes the lease
 * coordinator names, the worker's start failures, and MappingStatus's constants. Of each, the literal part up to the
 * first concatenation (or placeholder) must be in the guide; what varies is written there as a placeholder.
 */
class TroubleshootingTextsTest {

    static final String GUIDE = "docs/troubleshooting.md";
    private static final String PROBLEM = "PROBLEM: ";
    /** A Java string literal's contents: group 1. */
    private static final String LITERAL = "\"((?:[^\"\\\\\\n]|\\\\.)*)\"";
    private static final Pattern PLACEHOLDER = Pattern.compile("%[sd]|\\{}");

    /**
     * Where a status text is in the code (a pattern over source without comments, in the files {@code file} accepts by
     * their name), and the texts it shows.
     */
    private record Rule(Pattern pattern, Predicate<String> file, Function<Matcher, List<String>> texts) {
        static Rule literal(String before, String prefix) {
            return literalIn(name -> true, before, prefix);
        }

        static Rule literalIn(Predicate<String> file, String before, String prefix) {
            return new Rule(Pattern.compile(before + LITERAL), file, m -> List.of(prefix + m.group(1)));
        }
    }

    private static final List<Rule> RULES = List.of(
            // Any literal that starts with PROBLEM, e.g. "PROBLEM: reading shard " + shardId + ...
            Rule.literal("(?=\"" + PROBLEM + ")", ""),
            // The literal after a bare "PROBLEM: " + value, e.g. "PROBLEM: " + lost + " idempotency claims lapsed ...".
            Rule.literal("\"" + PROBLEM + "\"\\s*\\+\\s*[^\"+;()]+\\+\\s*", ""),
            // A queue poller's failures, shown as "PROBLEM: " + text (PollerFailure.problem()).
            Rule.literal("new PollerFailure\\(\\s*", PROBLEM),
            Rule.literal("PollerFailure\\.onMessage\\(\\s*", PROBLEM),
            // A queue call that failed after its retries: "<operation> failed: <n> of <m> messages <undone>: ...".
            new Rule(Pattern.compile("\\.describe\\(\\s*" + LITERAL + "\\s*,\\s*" + LITERAL + "\\s*\\)"),
                    name -> true, m -> List.of(PROBLEM + m.group(1) + " failed: ", "messages " + m.group(2))),
            // The visibility heartbeat's failures, shown as "PROBLEM: " + text.
            Rule.literal("failed\\(\\s*failures\\s*,\\s*", PROBLEM),
            // The lease coordinator's failed round: "PROBLEM: " + what + " failed: ...", what being its listing or a
            // lease write of its balancing.
            Rule.literalIn(name -> name.endsWith("/LeaseCoordinator.java"), "String what = [^\";]*", PROBLEM),
            Rule.literal("new WriteFailed\\(\\s*", PROBLEM),
            // The worker: failed starts ("PROBLEM: " + problem), a Kafka consumer restarted for a changed secret, the
            // shared mapping store that cannot be read (the status page's "PROBLEM: " + problem).
            Rule.literal("\\.startFailed\\(\\s*", PROBLEM),
            Rule.literal("carriedProblem\\s*=\\s*[^\";]*", ""),
            // A source's hint after a stream mapping's problem: reason + " (" + hint + ")".
            Rule.literal("String problemHint\\([^)]*\\)\\s*\\{\\s*return [^\";]*", "("),
            Rule.literalIn(name -> name.endsWith("RefreshHealth.java"), "problem\\.getAndSet\\(\\s*", PROBLEM),
            // MappingStatus's texts (OK, User action, ...), and the worker's SQS word for a user's change.
            Rule.literalIn(name -> name.endsWith("/MappingStatus.java"), "public static final String [A-Z_]+ = ", ""),
            Rule.literal("(?=\"USER_INITIATED\")", ""));

    @Test
    void everyStatusTextOfTheCodeIsInTheTroubleshootingGuide() {
        Path root = RepositoryDocs.root();
        Map<String, TreeSet<String>> texts = statusTexts(root);
        assertThat(texts).as("status texts found in the main sources").hasSizeGreaterThan(40)
                .containsKeys("PROBLEM: Function call failed", "PROBLEM: SASL authentication failed.",
                        "PROBLEM: receive failed", "PROBLEM: reading shard ", "PROBLEM: start failed: ");
        Path guide = root.resolve(GUIDE);
        String documented = Files.isRegularFile(guide) ? normalized(read(guide)) : "";
        List<String> missing = new ArrayList<>();
        texts.forEach((text, files) -> {
            if (!documented.contains(normalized(text))) {
                missing.add("\"" + text + "\" (" + String.join(", ", files) + ")");
            }
        });
        assertThat(missing).as("status texts missing from " + GUIDE + (Files.isRegularFile(guide) ? ""
                        : " (the file does not exist)") + "; explain each there: the text with its variable parts "
                        + "as placeholders, what happened, the meter that counts it, whether esm4j retries by "
                        + "itself, what to do")
                .isEmpty();
    }

    @Test
    void aTextIsItsLiteralPartUpToTheFirstConcatenationAndCommentsAreLeftOut() {
        String source = """
                /** Shows "PROBLEM: in a comment" and the text below. */
                class Sample {
                    // "PROBLEM: in a line comment"
                    void report() {
                        status.problem(c, "PROBLEM: shard " + shardId + " failed: " + describe(e));
                        status.processed("PROBLEM: Function call failed");
                        String url = "http://host/*not a comment*/";
                        failures.add(new PollerFailure("receive failed", e.getCause()));
                        failures.add(PollerFailure.onMessage("filter failed on message " + id, e));
                        failures.add(new PollerFailure(outcome.describe("delete", "not deleted"), null));
                        log("PROBLEM: %s at %s", a, b);
                    }
                }
                """;

        assertThat(texts("x/Sample.java", withoutComments(source))).containsExactlyInAnyOrder("PROBLEM: shard ",
                "PROBLEM: Function call failed", "PROBLEM: receive failed", "PROBLEM: filter failed on message ",
                "PROBLEM: delete failed: ", "messages not deleted", "PROBLEM: ");
        assertThat(normalized("a  `PROBLEM: x\n  y`")).isEqualTo("a `PROBLEM: x y`");
    }

    /** Each status text of the main sources of every module, with the files it comes from (relative to the root). */
    static Map<String, TreeSet<String>> statusTexts(Path root) {
        Map<String, TreeSet<String>> texts = new TreeMap<>();
        for (Path file : mainSources(root)) {
            String name = root.relativize(file).toString();
            for (String text : texts(name, withoutComments(read(file)))) {
                // A bare "PROBLEM: " + text says nothing by itself: its text is found by the other rules.
                if (!text.strip().equals(PROBLEM.strip())) {
                    texts.computeIfAbsent(text, t -> new TreeSet<>()).add(name);
                }
            }
        }
        return texts;
    }

    private static List<String> texts(String fileName, String source) {
        List<String> texts = new ArrayList<>();
        for (Rule rule : RULES) {
            if (!rule.file().test(fileName.replace('\\', '/'))) {
                continue;
            }
            Matcher matcher = rule.pattern().matcher(source);
            while (matcher.find()) {
                for (String text : rule.texts().apply(matcher)) {
                    texts.add(beforePlaceholder(unescaped(text)));
                }
            }
        }
        return texts;
    }

    private static List<Path> mainSources(Path root) {
        try (Stream<Path> modules = Files.list(root)) {
            List<Path> files = new ArrayList<>();
            for (Path sources : modules.map(module -> module.resolve("src/main/java")).filter(Files::isDirectory)
                    .sorted().toList()) {
                try (Stream<Path> walk = Files.walk(sources)) {
                    walk.filter(f -> f.getFileName().toString().endsWith(".java")).sorted().forEach(files::add);
                }
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The source with its comments blanked out (string and char literals, text blocks included, kept as they are). */
    static String withoutComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                int stop = end < 0 ? source.length() : end + 3;
                out.append(source, i, stop);
                i = stop;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                int stop = Math.min(source.length(), j + 1);
                out.append(source, i, stop);
                i = stop;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String unescaped(String literal) {
        return literal.replace("\\\"", "\"").replace("\\'", "'").replace("\\n", " ").replace("\\\\", "\\");
    }

    private static String beforePlaceholder(String text) {
        Matcher placeholder = PLACEHOLDER.matcher(text);
        return placeholder.find() ? text.substring(0, placeholder.start()) : text;
    }

    /** Runs of white space as one space: a text in the guide may break across lines. */
    static String normalized(String text) {
        return text.replaceAll("\\s+", " ");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
