package io.esm4j.idempotency;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.filter.FilteringParserDelegate;
import com.fasterxml.jackson.core.filter.JsonPointerBasedFilter;
import com.fasterxml.jackson.core.filter.TokenFilter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A key read from the payload at a JSON pointer. A string value is the key as is; a number or boolean is its text as
 * Jackson reads it ({@code 42}, {@code true}; {@code 4.20} reads as {@code 4.2}); an object or array is its compact
 * JSON, so {@code /order} keys on the whole order.
 *
 * <p>A value that is missing, JSON {@code null} or a blank string is an {@link IdempotencyKeyException} by default:
 * falling back silently would key that record on its delivery id, so a producer's duplicate would be processed
 * twice without anyone noticing. {@link #orNaturalId()} opts into that fallback where it is acceptable. A payload that
 * is not JSON is always an {@link IdempotencyKeyException}.
 */
public final class JsonPointerKey<R> implements IdempotencyKey<R> {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @FunctionalInterface
    private interface ValueReader<R> {
        JsonNode valueAt(R record, JsonPointer pointer) throws IOException;
    }

    private final JsonPointer pointer;
    private final ValueReader<R> reader;
    private final boolean fallbackToNaturalId;

    private JsonPointerKey(JsonPointer pointer, ValueReader<R> reader, boolean fallbackToNaturalId) {
        this.pointer = pointer;
        this.reader = reader;
        this.fallbackToNaturalId = fallbackToNaturalId;
    }

    static <R> JsonPointerKey<R> ofTree(String pointer, Function<? super R, ? extends @Nullable JsonNode> payloadTree) {
        Objects.requireNonNull(payloadTree, "payloadTree");
        return new JsonPointerKey<>(compile(pointer), (record, p) -> {
            JsonNode tree = payloadTree.apply(record);
            return tree == null ? MissingNode.getInstance() : tree.at(p);
        }, false);
    }

    static <R> JsonPointerKey<R> ofBytes(String pointer, Function<? super R, byte @Nullable []> payloadJson) {
        Objects.requireNonNull(payloadJson, "payloadJson");
        return new JsonPointerKey<>(compile(pointer), (record, p) -> readAt(payloadJson.apply(record), p), false);
    }

    /** The same key, but a record without a value at the pointer is keyed on its natural id. */
    public JsonPointerKey<R> orNaturalId() {
        return new JsonPointerKey<>(pointer, reader, true);
    }

    /** The pointer, as written. */
    public String pointer() {
        return pointer.toString();
    }

    @Override
    public String keyOf(R record, String naturalId) {
        JsonNode value;
        try {
            value = reader.valueAt(record, pointer);
        } catch (JsonProcessingException e) {
            // The parser's own message quotes the offending payload text; logs must never carry payloads.
            long offset = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new IdempotencyKeyException("The payload of record " + naturalId + " is not valid JSON (error at "
                    + "byte offset " + offset + "), so JSON pointer '" + pointer + "' can't be read. Expected a JSON "
                    + "payload.");
        } catch (IOException e) {
            throw new IdempotencyKeyException("The payload of record " + naturalId + " could not be read for JSON "
                    + "pointer '" + pointer + "': " + e.getClass().getSimpleName());
        }
        // A blank string too: the deduplicator refuses a blank key, so without the fallback here a record whose
        // value is "  " failed its batch even with orNaturalId().
        if (value.isMissingNode() || value.isNull() || (value.isTextual() && value.textValue().isBlank())) {
            if (fallbackToNaturalId) {
                return naturalId;
            }
            throw new IdempotencyKeyException("No idempotency key at JSON pointer '" + pointer + "' in the payload of "
                    + "record " + naturalId + ": the value is " + describe(value) + ". Expected a non-blank value; "
                    + "use IdempotencyKey.jsonPointer(...).orNaturalId() to fall back to the record's natural id.");
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    private static String describe(JsonNode value) {
        if (value.isMissingNode()) {
            return "missing";
        }
        if (value.isNull()) {
            return "null";
        }
        return value.textValue().isEmpty() ? "an empty string" : "a blank string";
    }

    private static JsonPointer compile(String pointer) {
        Objects.requireNonNull(pointer, "pointer");
        try {
            return JsonPointer.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid JSON pointer '" + pointer + "'. Expected an RFC 6901 "
                    + "pointer: empty for the whole payload, or starting with '/', e.g. /order/id.", e);
        }
    }

    // Streams only up to the value: a key near the start of a large payload costs a few tokens, not a full parse.
    private static JsonNode readAt(byte @Nullable [] json, JsonPointer pointer) throws IOException {
        if (json == null || json.length == 0) {
            return MissingNode.getInstance();
        }
        if (pointer.matches()) {
            return MAPPER.readTree(json); // the filter never matches the root itself
        }
        try (JsonParser parser = new FilteringParserDelegate(MAPPER.createParser(json),
                new JsonPointerBasedFilter(pointer), TokenFilter.Inclusion.ONLY_INCLUDE_ALL, false)) {
            return parser.nextToken() == null ? MissingNode.getInstance() : MAPPER.readTree(parser);
        }
    }
}
