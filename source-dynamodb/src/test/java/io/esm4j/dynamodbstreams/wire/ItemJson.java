package io.esm4j.dynamodbstreams.wire;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * Items in DynamoDB's JSON ({@code {"pk": {"S": "a"}, "n": {"N": "5"}}}), as the wire carries them: parsing and
 * checking, the size DynamoDB counts for an item, and the hash that routes an item's partition key to a shard.
 */
final class ItemJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private ItemJson() {}

    static ObjectNode parseItem(String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (!(node instanceof ObjectNode item)) {
                throw new IllegalArgumentException("expected an item as a JSON object in DynamoDB JSON but got "
                        + (node == null ? "nothing" : node.getNodeType()));
            }
            for (Map.Entry<String, JsonNode> attribute : item.properties()) {
                checkValue(attribute.getKey(), attribute.getValue());
            }
            return item;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("expected an item in DynamoDB JSON but the text is not JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** The single type key of an attribute value, e.g. {@code S}. */
    static String typeOf(String name, JsonNode value) {
        checkValue(name, value);
        return value.fieldNames().next();
    }

    private static void checkValue(String name, JsonNode value) {
        if (!(value instanceof ObjectNode object) || object.size() != 1) {
            throw new IllegalArgumentException("attribute " + name + " must be one typed value such as {\"S\": \"x\"}"
                    + " but was " + value);
        }
    }

    /**
     * The size DynamoDB counts for an item (or the keys and images of a stream record): each attribute's name in
     * UTF-8 plus its value: strings in UTF-8, binaries raw, numbers about one byte per two digits plus one, booleans
     * and nulls one byte, sets and lists the sum of their elements plus a few bytes.
     */
    static long size(ObjectNode item) {
        long size = 0;
        for (Map.Entry<String, JsonNode> attribute : item.properties()) {
            size += utf8(attribute.getKey()) + valueSize(attribute.getValue());
        }
        return size;
    }

    private static long valueSize(JsonNode value) {
        Map.Entry<String, JsonNode> typed = value.properties().iterator().next();
        JsonNode v = typed.getValue();
        return switch (typed.getKey()) {
            case "S" -> utf8(v.asText());
            case "N" -> numberSize(v.asText());
            case "B" -> Base64.getDecoder().decode(v.asText()).length;
            case "BOOL", "NULL" -> 1;
            case "SS" -> sum(v, e -> utf8(e.asText()));
            case "NS" -> sum(v, e -> numberSize(e.asText()));
            case "BS" -> sum(v, e -> Base64.getDecoder().decode(e.asText()).length);
            case "L" -> 3 + sum(v, e -> 1 + valueSize(e));
            case "M" -> 3 + size((ObjectNode) v) + v.size();
            default -> throw new IllegalArgumentException("unknown attribute type " + typed.getKey());
        };
    }

    private interface Sizer {
        long size(JsonNode element);
    }

    private static long sum(JsonNode array, Sizer sizer) {
        long size = 0;
        for (JsonNode element : array) {
            size += sizer.size(element);
        }
        return size;
    }

    private static long numberSize(String number) {
        long digits = number.chars().filter(Character::isDigit).count();
        return (digits + 1) / 2 + 1;
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Where a partition key value lands among the shards' hash ranges: the first 8 bytes of its MD5, unsigned. */
    static long hash(JsonNode partitionKeyValue) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5")
                    .digest(partitionKeyValue.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }
}
