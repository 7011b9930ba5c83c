package io.esm4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Everything a reader needs is inside the repository: no Markdown file refers to {@code ../shared} (a folder beside
 * the repository that readers do not have), and every relative link names a file inside the repository that exists,
 * with its #anchor where it gives one.
 */
class MarkdownLinksTest {

    private static final Pattern INLINE_LINK = Pattern.compile("\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    @Test
    void noMarkdownFileRefersOutsideTheRepositoryOrToAMissingFile() {
        Path root = RepositoryDocs.root();
        List<String> problems = new ArrayList<>();
        for (Path file : RepositoryDocs.markdownFiles()) {
            problems.addAll(problems(root, file));
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aLinkToSharedOrToAMissingFileIsFound() throws IOException {
        Path root = Files.createTempDirectory("docs");
        Path readme = Files.writeString(root.resolve("README.md"), """
                # Title
                See [design](../shared/DESIGN.md), [gone](docs/gone.md), [ok](#title), [bad anchor](#nope),
                `../shared/AWS-SEMANTICS.md`, [web](https://example.org/x.md) and [self](README.md#title).
                """);

        assertThat(problems(root, readme)).hasSize(5)
                .anySatisfy(p -> assertThat(p).contains("../shared/DESIGN.md"))
                .anySatisfy(p -> assertThat(p).contains("docs/gone.md"))
                .anySatisfy(p -> assertThat(p).contains("#nope"))
                .anySatisfy(p -> assertThat(p).contains("mentions ../shared"));
    }

    @Test
    void slugsFollowGitHub() {
        assertThat(slug("## 10. Open questions and esm4j's choices")).isEqualTo("10-open-questions-and-esm4js-choices");
        assertThat(slug("### 2.3 Failure handling on streams (Kinesis, DynamoDB Streams)"))
                .isEqualTo("23-failure-handling-on-streams-kinesis-dynamodb-streams");
        assertThat(slug("## Per-source documents (`FilterDocuments`)")).isEqualTo("per-source-documents-filterdocuments");
    }

    static List<String> problems(Path root, Path file) {
        String name = root.relativize(file).toString();
        List<String> problems = new ArrayList<>();
        String text = read(file);
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("../shared")) {
                problems.add(name + ":" + (i + 1) + ": mentions ../shared, which is outside the repository");
            }
        }
        List<String> outsideCode = RepositoryDocs.linesOutsideCode(file);
        for (int i = 0; i < outsideCode.size(); i++) {
            String line = CODE_SPAN.matcher(outsideCode.get(i)).replaceAll("");
            List<String> targets = new ArrayList<>();
            Matcher inline = INLINE_LINK.matcher(line);
            while (inline.find()) {
                targets.add(inline.group(1));
            }
            Matcher reference = REFERENCE_DEFINITION.matcher(line);
            if (reference.matches()) {
                targets.add(reference.group(1));
            }
            for (String target : targets) {
                String problem = problem(root, file, target);
                if (problem != null) {
                    problems.add(name + ":" + (i + 1) + ": " + target + ": " + problem);
                }
            }
        }
        return problems;
    }

    private static String problem(Path root, Path file, String target) {
        if (SCHEME.matcher(target).matches()) {
            return null;
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
        if (path.startsWith("/") || !resolved.startsWith(root)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file in the repository";
        }
        if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
            return "no heading with this anchor in " + root.relativize(resolved);
        }
        return null;
    }

    private static Set<String> anchors(Path markdown) {
        Set<String> anchors = new HashSet<>();
        for (String line : RepositoryDocs.linesOutsideCode(markdown)) {
            if (line.startsWith("#")) {
                String slug = slug(line);
                String unique = slug;
                for (int n = 1; !anchors.add(unique); n++) {
                    unique = slug + "-" + n;
                }
            }
        }
        return anchors;
    }

    /** GitHub's heading anchor: the heading's text, lower case, without punctuation, spaces turned into hyphens. */
    static String slug(String heading) {
        String text = heading.replaceFirst("^#+\\s*", "").strip()
                .replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replace("`", "");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
