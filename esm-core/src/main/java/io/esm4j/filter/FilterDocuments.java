package io.esm4j.filter;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link FilterDocument} {@link FilterCriteria#matches} sees for one record, under each source's data key
 * and with Lambda's rules for data that is not JSON. The result is always a JSON object, so filtering is one call:
 * {@code criteria.matches(FilterDocuments.sqsBody(body))}.
 *
 * <p>Data counts as JSON when it is a JSON object or array; anything else (text, a bare number, invalid JSON) is
 * plain. How plain data is represented decides what a pattern can match:
 * <ul>
 *   <li>SQS and Kafka keep plain data as a string, so a plain pattern such as {@code {"body": ["x"]}} filters on it,
 *   while a JSON pattern such as {@code {"body": {"k": ["v"]}}} never matches it, and a plain pattern never matches
 *   JSON data: the record is dropped, as Lambda does on a format mismatch.</li>
 *   <li>Kinesis puts a not-JSON marker under {@code data}: no pattern that names {@code data} matches it, not even
 *   {@code "exists": false}, because Lambda drops such a record whenever the pattern filters on data.</li>
 *   <li>A Kafka value that is not UTF-8 (or a null value) is left out, so only patterns that do not need a value can
 *   match; Lambda applies only metadata filters then.</li>
 * </ul>
 */
public final class FilterDocuments {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Marks data that is there but is not JSON; a JSON document cannot contain it, so no pattern can match it. */
    private static final JsonNode NOT_JSON = MissingNode.getInstance();

    private FilterDocuments() {
    }

    /**
     * @param data the record's data, base64-decoded (the bytes the producer put)
     * @return {@code {"data": <JSON>}}, or {@code data} holding the not-JSON marker
     */
    public static FilterDocument kinesisData(byte[] data) {
        Objects.requireNonNull(data, "data");
        String text = utf8(data);
        JsonNode json = text == null ? null : jsonContainer(text);
        return document("data", json == null ? NOT_JSON : json);
    }

    /** @return {@code {"body": <JSON>}} for a JSON object or array body, else {@code {"body": "<the body>"}} */
    public static FilterDocument sqsBody(String body) {
        Objects.requireNonNull(body, "body");
        JsonNode json = jsonContainer(body);
        return document("body", json == null ? NODES.textNode(body) : json);
    }

    /**
     * @param dynamodb the record's {@code dynamodb} object in DynamoDB typed JSON, e.g.
     *                 {@code {"NewImage": {"a": {"N": "5"}}}}, used as is (not copied)
     * @return {@code {"dynamodb": ...}}
     */
    public static FilterDocument dynamodb(JsonNode dynamodb) {
        return document("dynamodb", Objects.requireNonNull(dynamodb, "dynamodb"));
    }

    /**
     * The same as {@link #dynamodb(JsonNode)} for a source that holds the {@code dynamodb} object as JSON text (the
     * DynamoDB Streams SDK gives typed {@code AttributeValue}s, which a source writes out in any JSON library).
     *
     * @param dynamodbJson the record's {@code dynamodb} object in DynamoDB typed JSON
     * @throws IllegalArgumentException if the text is not one JSON object
     */
    public static FilterDocument dynamodb(String dynamodbJson) {
        JsonNode dynamodb = FilterDocument.ofJson(dynamodbJson).node();
        if (!dynamodb.isObject()) {
            throw new IllegalArgumentException("Expected the dynamodb object of a DynamoDB Streams record as a JSON "
                    + "object, but got a JSON " + dynamodb.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return document("dynamodb", dynamodb);
    }

    /**
     * @param value the record's value bytes, or {@code null} for a tombstone
     * @return {@code {"value": <JSON>}} for a UTF-8 JSON object or array, {@code {"value": "<text>"}} for other
     *         UTF-8 text, and an empty document for a null or non-UTF-8 value
     */
    public static FilterDocument kafkaValue(byte @Nullable [] value) {
        String text = value == null ? null : utf8(value);
        if (text == null) {
            return FilterDocument.of(NODES.objectNode());
        }
        JsonNode json = jsonContainer(text);
        return document("value", json == null ? NODES.textNode(text) : json);
    }

    private static FilterDocument document(String key, JsonNode value) {
        ObjectNode document = NODES.objectNode();
        document.set(key, value);
        return FilterDocument.of(document);
    }

    /** Strict: a malformed sequence means the bytes are not text, where the JDK's String constructor would guess. */
    private static @Nullable String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** @return the parsed object or array, or {@code null} if the text is not exactly one of those */
    private static @Nullable JsonNode jsonContainer(String text) {
        if (!startsLikeContainer(text)) {
            return null; // most plain text, without paying for a parser exception per record
        }
        try {
            JsonNode json = Json.MAPPER.readTree(text);
            return json != null && json.isContainerNode() ? json : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static boolean startsLikeContainer(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return c == '{' || c == '[';
            }
        }
        return false;
    }
}
