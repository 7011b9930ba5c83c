package io.esm4j.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads a Lambda function's JSON response ({@code StreamsEventResponse} / {@code SQSBatchResponse} shape) into a
 * {@link BatchResult}, following docs/lambda-semantics.md §2.3 and §9: {@code ""}, {@code null}, {@code {}},
 * {@code []}, {@code {"batchItemFailures":[]}} and {@code {"batchItemFailures":null}} are success; invalid JSON, a
 * wrong key name, or an empty or null {@code itemIdentifier} fail the whole batch. A batch of a tumbling window is
 * answered with {@code {"state": {...}, "batchItemFailures": [...]}} ({@code TimeWindowEventResponse}), read by
 * {@link #parse(Batch, String)}.
 */
public final class LambdaResponses {

    /**
     * Trailing tokens fail the parse: Jackson would otherwise read {@code {} garbage} as {@code {}}, turning a response
     * that is not valid JSON (a whole-batch failure, docs/lambda-semantics.md §9) into a success.
     */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Writes a Java handler's response as Lambda's Java runtime does: an object without properties is {@code {}}. */
    private static final ObjectMapper WRITER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private LambdaResponses() {}

    /**
     * The response to {@code batch}, read as Lambda reads it: with {@link #parse(String)} when the batch has no
     * tumbling window; when it has one ({@link Batch#window()}), as a window response, whose {@code state} object
     * becomes {@link BatchResult.WindowState#state()} and whose {@code batchItemFailures} are read as
     * {@link #parse(String)} reads them. A response without a {@code state} object (empty, {@code null}, {@code {}},
     * a state that is not an object) fails the invocation, as in Lambda; one that is not JSON, or whose failures are
     * malformed, fails the whole batch.
     *
     * <p>Lambda's state is any JSON object, while esm-core keeps a map of strings: each value is kept as its JSON text
     * ({@code {"n": 3, "s": "a"}} gives {@code n=3} and {@code s="a"}, quotes included), which is what the sources'
     * event writers ({@code KinesisEventJson.write(Batch)}, {@code DynamoDbEventJson.write(Batch)},
     * {@link RecordsJson#withWindow}) send back to the function, so a number stays a number. Kept so, the state counts
     * no less against Lambda's 1 MB state limit than the object the function returned.
     *
     * @param batch    the batch the response answers
     * @param response the function's response as JSON text
     */
    public static BatchResult parse(Batch<?> batch, @Nullable String response) {
        if (batch.window() == null) {
            return parse(response);
        }
        JsonNode root;
        try {
            root = tree(response);
        } catch (JsonProcessingException e) {
            return new BatchResult.Malformed("response is not valid JSON");
        }
        BatchResult failures = read(root);
        if (failures instanceof BatchResult.Malformed) {
            return failures;
        }
        JsonNode state = root == null ? null : root.get("state");
        List<@Nullable Object> ids = failures instanceof BatchResult.ItemFailures items ? items.itemIdentifiers()
                : List.of();
        if (state == null || !state.isObject()) {
            return BatchResult.state(null, ids);
        }
        Map<String, String> values = new LinkedHashMap<>();
        state.properties().forEach(field -> values.put(field.getKey(), field.getValue().toString()));
        return BatchResult.state(values, ids);
    }

    /**
     * What a Java handler returned, read as Lambda reads a function's response: null is success, a String is the
     * response's JSON text, any other object is written as JSON (as Lambda's Java runtime does) and then read. An
     * object Jackson cannot write is a {@link BatchResult.Malformed} response, like a response that is not JSON: it
     * fails the batch only when the mapping reads responses (ReportBatchItemFailures), never by a thrown error.
     */
    public static BatchResult ofObject(@Nullable Object returned) {
        return switch (returned) {
            case null -> BatchResult.success();
            case String json -> parse(json);
            default -> {
                try {
                    yield parse(WRITER.writeValueAsString(returned));
                } catch (JsonProcessingException e) {
                    yield new BatchResult.Malformed("the handler's response (" + returned.getClass().getName()
                            + ") cannot be written as JSON: " + e.getOriginalMessage());
                }
            }
        };
    }

    /** @param response the function's response as JSON text; null or blank is success, as in Lambda */
    public static BatchResult parse(@Nullable String response) {
        try {
            return read(tree(response));
        } catch (JsonProcessingException e) {
            return new BatchResult.Malformed("response is not valid JSON");
        }
    }

    /** The response's JSON tree; null for a null or blank response, which is success, as in Lambda. */
    private static @Nullable JsonNode tree(@Nullable String response) throws JsonProcessingException {
        return response == null || response.isBlank() ? null : JSON.readTree(response);
    }

    private static BatchResult read(@Nullable JsonNode root) {
        if (root == null || root.isNull() || root.isMissingNode()) {
            return BatchResult.success();
        }
        // The JSON text "" is what a function returning an empty string sends; [] what one returning an empty list
        // sends. Both are success, as on AWS (docs/lambda-semantics.md §9).
        if (root.isArray() && root.isEmpty() || root.isTextual() && root.asText().isEmpty()) {
            return BatchResult.success();
        }
        if (!root.isObject()) {
            return new BatchResult.Malformed("response is neither empty nor a JSON object");
        }
        JsonNode failures = root.get("batchItemFailures");
        if (failures == null || failures.isNull()) {
            return BatchResult.success();
        }
        if (!failures.isArray()) {
            return new BatchResult.Malformed("batchItemFailures is not a list");
        }
        List<Object> ids = new ArrayList<>();
        for (JsonNode failure : failures) {
            JsonNode id = failure == null ? null : failure.get("itemIdentifier");
            if (id != null && id.isTextual() && !id.asText().isEmpty()) {
                ids.add(id.asText());
            } else if (id != null && id.isObject() && !id.isEmpty()) {
                ids.add(structured(id));
            } else {
                return new BatchResult.Malformed("a batchItemFailures entry has no itemIdentifier string or object");
            }
        }
        return BatchResult.failures(ids);
    }

    /**
     * Kafka's item identifiers are objects ({@code {"partition":"topic-0","offset":5}}): read as a map whose whole
     * numbers are Longs, so that it equals the id a Kafka source gives its records.
     */
    private static Map<String, Object> structured(JsonNode object) {
        Map<String, Object> fields = new LinkedHashMap<>();
        object.properties().forEach(field -> {
            JsonNode value = field.getValue();
            fields.put(field.getKey(), value.isIntegralNumber() ? (Object) value.asLong()
                    : value.isObject() ? structured(value) : value.isTextual() ? value.asText() : value.toString());
        });
        return fields;
    }
}
