package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every module README's Java snippets compile as a user copies them, with the imports the README gives: a block's
 * leading {@code import} lines are the imports a user adds for it (a README's later blocks may use what its earlier
 * blocks imported). Each block becomes the body of a method of one class per README; the names a README leaves to the
 * reader (the handler, a client an earlier block built, a function written for Lambda) are that class's fields, methods
 * and nested classes, below. A line that is only {@code ...} stands for the user's own code; a block that ends in an
 * expression (a builder call shown for its argument) is compiled as a statement. The root README has its own test in
 * the examples module (against esm4j-core alone); the worker's test class path is the one that holds every module and
 * the optional jars their READMEs use (Lambda's events, Glue, Netty), hence this test lives here.
 */
class ModuleReadmeSnippetsTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("(?s)```java\n(.*?)```");

    private static final String BYTES_SOURCE = """
            static io.esm4j.stream.StreamSource<byte[]> source;
            static io.esm4j.handler.BatchHandler<io.esm4j.stream.StreamRecord<byte[]>> handler;
            """;

    /** What each README leaves to the reader, by module folder. */
    private static final Map<String, String> CONTEXT = Map.of(
            "sinks", BYTES_SOURCE + """
                    static io.esm4j.sinks.FailureDestinations destinations;
                    static io.esm4j.kafka.KafkaSource kafkaSource;
                    record Order(String id) {}
                    """,
            "source-dynamodb", """
                    static io.esm4j.dynamodbstreams.DynamoDbStreamSource source;
                    static void bill(String eventName,
                            Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> image) {}
                    static void send(String json) {}
                    static final class OrdersFunction {
                        com.amazonaws.services.lambda.runtime.events.StreamsEventResponse handle(
                                com.amazonaws.services.lambda.runtime.events.DynamodbEvent event) {
                            return new com.amazonaws.services.lambda.runtime.events.StreamsEventResponse();
                        }
                    }
                    static final class TotalsFunction {
                        com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse handle(
                                com.amazonaws.services.lambda.runtime.events.DynamodbTimeWindowEvent event) {
                            return new com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse();
                        }
                    }
                    """,
            "source-kafka", """
                    static io.esm4j.kafka.KafkaSource source;
                    static com.amazonaws.services.lambda.runtime.Context context;
                    static String apiKey;
                    static String apiSecret;
                    static String keyPassword;
                    static void process(byte[] key, byte[] value) {}
                    static final class OrdersFunction implements com.amazonaws.services.lambda.runtime.RequestHandler<
                            com.amazonaws.services.lambda.runtime.events.KafkaEvent, String> {
                        @Override
                        public String handleRequest(com.amazonaws.services.lambda.runtime.events.KafkaEvent event,
                                com.amazonaws.services.lambda.runtime.Context context) {
                            return "";
                        }
                    }
                    """,
            "source-kinesis", """
                    static io.esm4j.kinesis.KinesisStreamSource source;
                    static software.amazon.awssdk.services.kinesis.KinesisClient kinesis;
                    static String streamArn;
                    static void bill(String data) {}
                    static void send(String json) {}
                    static final class OrdersFunction {
                        com.amazonaws.services.lambda.runtime.events.StreamsEventResponse handle(
                                com.amazonaws.services.lambda.runtime.events.KinesisEvent event) {
                            return new com.amazonaws.services.lambda.runtime.events.StreamsEventResponse();
                        }
                    }
                    static final class TotalsFunction {
                        com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse handle(
                                com.amazonaws.services.lambda.runtime.events.KinesisTimeWindowEvent event) {
                            return new com.amazonaws.services.lambda.runtime.events.TimeWindowEventResponse();
                        }
                    }
                    """,
            "source-sqs", """
                    static software.amazon.awssdk.services.sqs.SqsClient sqs;
                    static String url;
                    static io.esm4j.handler.BatchHandler<io.esm4j.queue.QueueMessage<io.esm4j.sqs.SqsMessage>> handler;
                    static final class OrderFunction implements com.amazonaws.services.lambda.runtime.RequestHandler<
                            com.amazonaws.services.lambda.runtime.events.SQSEvent,
                            com.amazonaws.services.lambda.runtime.events.SQSBatchResponse> {
                        @Override
                        public com.amazonaws.services.lambda.runtime.events.SQSBatchResponse handleRequest(
                                com.amazonaws.services.lambda.runtime.events.SQSEvent event,
                                com.amazonaws.services.lambda.runtime.Context context) {
                            return new com.amazonaws.services.lambda.runtime.events.SQSBatchResponse();
                        }
                    }
                    """,
            "state-dynamodb", """
                    static io.esm4j.stream.StreamSource<io.esm4j.kinesis.KinesisRecord> kinesisSource;
                    static io.esm4j.handler.BatchHandler<io.esm4j.stream.StreamRecord<io.esm4j.kinesis.KinesisRecord>>
                            handler;
                    static String hostName;
                    static software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamoDb;
                    static io.esm4j.EventSourceMapping.Builder<?> builder;
                    """,
            "state-redis", BYTES_SOURCE + """
                    static String hostName;
                    """);

    static Stream<String> modulesWithSnippets() {
        return CONTEXT.keySet().stream().sorted();
    }

    @ParameterizedTest
    @MethodSource("modulesWithSnippets")
    void theJavaSnippetsCompileWithTheImportsTheReadmeGives(String module) throws IOException {
        List<String> blocks = javaBlocks(root().resolve(module).resolve("README.md"));
        assertThat(blocks).as("%s/README.md has Java snippets", module).isNotEmpty();
        assertThat(blocks.getFirst().lines().findFirst().orElse(""))
                .as("%s/README.md: its first Java block starts with its imports", module).startsWith("import ");

        Set<String> imports = new LinkedHashSet<>();
        StringBuilder methods = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            List<String> lines = blocks.get(i).lines().toList();
            int body = 0;
            while (body < lines.size() && (lines.get(body).startsWith("import ") || lines.get(body).isBlank())) {
                if (!lines.get(body).isBlank()) {
                    imports.add(lines.get(body));
                }
                body++;
            }
            methods.append("static void snippet").append(i + 1).append("() throws Exception {\n")
                    .append(asStatements(lines.subList(body, lines.size()))).append("}\n");
        }
        String source = String.join("\n", imports) + "\nclass ReadmeSnippets {\n" + CONTEXT.get(module)
                + methods + "}\n";
        assertThat(compile(source)).as("%s/README.md snippets:%n%s", module, source).isEmpty();
    }

    @Test
    void everyModuleReadmeWithJavaSnippetsIsCompiled() throws IOException {
        Set<String> withSnippets = new TreeSet<>();
        try (Stream<Path> modules = Files.list(root())) {
            for (Path module : modules.filter(d -> Files.exists(d.resolve("README.md"))).toList()) {
                if (!javaBlocks(module.resolve("README.md")).isEmpty()) {
                    withSnippets.add(module.getFileName().toString());
                }
            }
        }
        assertThat(withSnippets).isEqualTo(new TreeSet<>(CONTEXT.keySet()));
    }

    /** A trailing expression (no {@code ;}, {@code {} or {@code }} at the end of its last code line) gets its semicolon. */
    private static String asStatements(List<String> lines) {
        List<String> code = new ArrayList<>(lines.stream().map(l -> l.strip().equals("...") ? "// ..." : l).toList());
        for (int i = code.size() - 1; i >= 0; i--) {
            String line = code.get(i).replaceFirst("\\s*//.*$", "").stripTrailing();
            if (!line.isEmpty()) {
                if (!line.endsWith(";") && !line.endsWith("{") && !line.endsWith("}")) {
                    code.set(i, line + ";");
                }
                break;
            }
        }
        return String.join("\n", code) + "\n";
    }

    /** The compiler's diagnostics, empty when the source compiled. */
    private static String compile(String source) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///ReadmeSnippets.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        Path out = Files.createTempDirectory("module-readme-snippets");
        boolean compiled = javac.getTask(diagnostics, null, null, List.of("--release", "21", "-proc:none",
                "-classpath", System.getProperty("java.class.path"), "-d", out.toString()), null, List.of(file)).call();
        return compiled ? "" : diagnostics.toString();
    }

    private static List<String> javaBlocks(Path readme) {
        try {
            Matcher block = JAVA_BLOCK.matcher(Files.readString(readme));
            List<String> blocks = new ArrayList<>();
            while (block.find()) {
                blocks.add(block.group(1));
            }
            return blocks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
