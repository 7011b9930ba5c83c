package io.esm4j.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The root README's Java snippets compile as a user copies them: with the imports the README lists, against
 * esm4j-core alone (this module's class path: esm4j-core, and AssertJ for the test snippet). Each snippet becomes the
 * body of a method whose parameters are the names the README leaves to the reader ({@code source}, {@code leaseStore},
 * ...); a line that is only {@code ...} stands for the user's own code. The Maven snippet names the build's version.
 */
class ReadmeSnippetsTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("(?s)```java\n(.*?)```");

    /** What the snippets leave to the reader, declared around them. */
    private static final String CONTEXT = """
            static void process(byte[] payload) {}
            static void send(String json) {}
            static final class OrderTotals implements io.esm4j.handler.BatchHandler<StreamRecord<byte[]>> {
                @Override
                public BatchResult handle(io.esm4j.handler.Batch<StreamRecord<byte[]>> batch) {
                    return BatchResult.success();
                }
            }
            """;
    private static final String PARAMETERS = "io.esm4j.stream.StreamSource<byte[]> source, "
            + "io.esm4j.lease.LeaseStore leaseStore, String hostName, "
            + "io.micrometer.core.instrument.MeterRegistry meterRegistry, "
            + "io.esm4j.testing.InMemoryQueue queue, List<String> failedMessageIds, "
            + "List<io.esm4j.Mapping<?>> mappings";

    @Test
    void theJavaSnippetsCompileWithTheImportsTheReadmeGives() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        String usage = readme.substring(readme.indexOf("\n## Use it\n"), readme.indexOf("\n## Settings\n"));
        List<String> blocks = new ArrayList<>();
        Matcher block = JAVA_BLOCK.matcher(usage);
        while (block.find()) {
            blocks.add(block.group(1));
        }
        assertThat(blocks).as("the imports, then the stream, test and queue snippets").hasSizeGreaterThanOrEqualTo(4);
        String imports = blocks.getFirst();
        assertThat(imports.lines().filter(l -> !l.isBlank()))
                .as("the first Java block of \"Use it\" lists the imports").allMatch(l -> l.startsWith("import "));

        StringBuilder source = new StringBuilder(imports).append("\nclass ReadmeSnippets {\n").append(CONTEXT);
        for (int i = 1; i < blocks.size(); i++) {
            String body = blocks.get(i).lines().map(l -> l.strip().equals("...") ? "// ..." : l)
                    .reduce("", (a, b) -> a + b + "\n");
            source.append("static void snippet").append(i).append('(').append(PARAMETERS)
                    .append(") throws Exception {\n").append(body).append("}\n");
        }
        source.append("}\n");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///ReadmeSnippets.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        Path out = Files.createTempDirectory("readme-snippets");
        boolean compiled = javac.getTask(diagnostics, null, null, List.of("--release", "21", "-proc:none",
                "-classpath", System.getProperty("java.class.path"), "-d", out.toString()), null, List.of(file)).call();
        assertThat(compiled).as("README snippets:\n" + source + "\n" + diagnostics).isTrue();
    }

    @Test
    void theMavenSnippetNamesTheArtifactsVersion() throws IOException {
        Path root = root();
        String readme = Files.readString(root.resolve("README.md"));
        String pom = Files.readString(root.resolve("pom.xml"));
        Matcher version = Pattern.compile("<artifactId>esm4j-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertThat(version.find()).isTrue();
        assertThat(readme).contains("""
                <dependency>
                  <groupId>io.esm4j</groupId>
                  <artifactId>esm4j-core</artifactId>
                  <version>%s</version>
                </dependency>""".formatted(version.group(1)))
                .contains("implementation(\"io.esm4j:esm4j-core:" + version.group(1) + "\")");
    }

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
