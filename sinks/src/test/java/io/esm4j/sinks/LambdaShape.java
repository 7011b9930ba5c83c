package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The failure record shape Lambda documents, read from docs/lambda-semantics.md §3.5 (its JSON example), and checks
 * that a delivered record has exactly its fields, in its order, with the same JSON types. Public for other modules'
 * tests, through this module's test-jar.
 */
public final class LambdaShape {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECTION = "### 3.5 ";

    private LambdaShape() {}

    /** The §3.5 example: what Lambda sends to an SQS queue or SNS topic for a Kinesis stream. */
    static ObjectNode queueOrTopicRecord() {
        try {
            return (ObjectNode) JSON.readTree(firstJsonBlockOfSection(repositoryRoot().resolve("docs/lambda-semantics.md")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same with {@code "payload"} last, a string: what Lambda stores in an S3 destination. */
    static ObjectNode s3Object() {
        ObjectNode expected = queueOrTopicRecord();
        expected.put("payload", "<the whole event as an escaped JSON string>");
        return expected;
    }

    public static void assertSameShape(String deliveredJson, ObjectNode expected) {
        JsonNode delivered;
        try {
            delivered = JSON.readTree(deliveredJson);
        } catch (IOException e) {
            throw new AssertionError("the delivered record is not JSON: " + e.getMessage(), e);
        }
        assertThat(shape(delivered, "$")).isEqualTo(shape(expected, "$"));
    }

    /** One line per field: its path and JSON type, in document order. */
    private static List<String> shape(JsonNode node, String path) {
        List<String> lines = new ArrayList<>();
        lines.add(path + " " + node.getNodeType());
        if (node.isObject()) {
            node.properties().forEach(field -> lines.addAll(shape(field.getValue(), path + "." + field.getKey())));
        }
        return lines;
    }

    private static String firstJsonBlockOfSection(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(SECTION)) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            throw new IllegalStateException(doc + " has no section starting '" + SECTION + "'");
        }
        StringBuilder json = new StringBuilder();
        boolean inBlock = false;
        for (int i = start + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!inBlock && line.startsWith("```json")) {
                inBlock = true;
            } else if (inBlock && line.startsWith("```")) {
                return json.toString();
            } else if (inBlock) {
                json.append(line).append('\n');
            } else if (line.startsWith("### ")) {
                break;
            }
        }
        throw new IllegalStateException(doc + " section '" + SECTION + "' has no ```json block");
    }

    /** The nearest folder above the working directory (Surefire runs in the module's) that holds the Maven wrapper. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
