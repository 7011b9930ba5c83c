package io.esm4j.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotencyKeyTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final String ORDER = """
            {"type":"OrderPlaced","order":{"id":"o-42","total":4.20,"qty":3,"paid":true,"note":null,"ref":"",
             "blank":"  ","lines":[{"sku":"a"},{"sku":"b"}],"tags":["x","y"]}}""";

    private static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void naturalIdIsTheIdTheEngineGives() {
        assertThat(IdempotencyKey.<String>naturalId().keyOf("payload", "shardId-000000000001:4955"))
                .isEqualTo("shardId-000000000001:4955");
    }

    @Test
    void functionKeyIgnoresTheNaturalId() {
        IdempotencyKey<String> key = IdempotencyKey.from(s -> s.toUpperCase());

        assertThat(key.keyOf("abc", "id-1")).isEqualTo("ABC");
    }

    @Test
    void prefixSeparatesKeysOfStreamsWhoseMappingsShareANamespace() {
        IdempotencyKey<String> key = IdempotencyKey.<String>naturalId().prefixed("orders-stream");

        assertThat(key.keyOf("x", "shardId-000000000000:1")).isEqualTo("orders-stream:shardId-000000000000:1");
    }

    @Test
    void prefixKeepsABlankKeyBlankSoThatItIsStillRejected() {
        assertThat(IdempotencyKey.<String>from(s -> "").prefixed("ns").keyOf("x", "id")).isEmpty();
        assertThat(IdempotencyKey.<String>from(s -> null).prefixed("ns").keyOf("x", "id")).isNull();
    }

    /** The same cases, for a payload given as a tree and as bytes. */
    abstract static class JsonPointerCases {

        abstract JsonPointerKey<String> key(String pointer);

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "/order/id           | o-42",
                "/order/total        | 4.2",
                "/order/qty          | 3",
                "/order/paid         | true",
                "/order/lines/1/sku  | b",
                "/order/tags         | [\"x\",\"y\"]",
                "/order/lines/0      | {\"sku\":\"a\"}",
        })
        void valueBecomesTheKey(String pointer, String expected) {
            assertThat(key(pointer).keyOf(ORDER, "msg-1")).isEqualTo(expected);
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "/order/missing | missing",
                "/order/note    | null",
                "/order/ref     | an empty string",
                "/order/blank   | a blank string",
                "/order/lines/7 | missing",
        })
        void missingValueIsAnErrorNamingThePointerAndTheRecord(String pointer, String what) {
            assertThatThrownBy(() -> key(pointer).keyOf(ORDER, "msg-1"))
                    .isInstanceOf(IdempotencyKeyException.class)
                    .hasMessage("No idempotency key at JSON pointer '" + pointer + "' in the payload of record msg-1: "
                            + "the value is " + what + ". Expected a non-blank value; use "
                            + "IdempotencyKey.jsonPointer(...).orNaturalId() to fall back to the record's natural id.");
        }

        @ParameterizedTest
        @ValueSource(strings = {"/order/missing", "/order/note", "/order/ref", "/order/blank"})
        void missingValueFallsBackToTheNaturalIdWhenAskedTo(String pointer) {
            JsonPointerKey<String> key = key(pointer).orNaturalId();

            assertThat(key.keyOf(ORDER, "msg-1")).isEqualTo("msg-1");
            assertThat(key.pointer()).isEqualTo(pointer);
        }

        @Test
        void fallbackStillUsesThePayloadValueWhenThereIsOne() {
            assertThat(key("/order/id").orNaturalId().keyOf(ORDER, "msg-1")).isEqualTo("o-42");
        }

        @Test
        void emptyPointerKeysOnTheWholePayload() {
            assertThat(key("").keyOf("{\"a\": 1}", "msg-1")).isEqualTo("{\"a\":1}");
        }

        @Test
        void nullPayloadHasNoKey() {
            assertThatThrownBy(() -> key("/order/id").keyOf(null, "msg-1"))
                    .isInstanceOf(IdempotencyKeyException.class)
                    .hasMessageContaining("the value is missing");
            assertThat(key("/order/id").orNaturalId().keyOf(null, "msg-1")).isEqualTo("msg-1");
        }
    }

    @Nested
    class JsonPointerOnTree extends JsonPointerCases {
        @Override
        JsonPointerKey<String> key(String pointer) {
            return IdempotencyKey.jsonPointer(pointer, s -> s == null ? null : tree(s));
        }
    }

    @Nested
    class JsonPointerOnBytes extends JsonPointerCases {
        @Override
        JsonPointerKey<String> key(String pointer) {
            return IdempotencyKey.jsonPointerInBytes(pointer, s -> s == null ? null : s.getBytes(UTF_8));
        }

        @Test
        void valueAfterOtherFieldsAndArraysIsFound() {
            String json = "{\"skip\":{\"deep\":[1,{\"id\":\"wrong\"}]},\"id\":\"right\"}";

            assertThat(key("/id").keyOf(json, "msg-1")).isEqualTo("right");
        }

        @Test
        void malformedPayloadIsAnErrorThatDoesNotQuoteThePayload() {
            assertThatThrownBy(() -> key("/order/id").keyOf("{\"order\": secret-value}", "msg-1"))
                    .isInstanceOf(IdempotencyKeyException.class)
                    .hasMessageStartingWith("The payload of record msg-1 is not valid JSON (error at byte offset ")
                    .hasMessageEndingWith("so JSON pointer '/order/id' can't be read. Expected a JSON payload.")
                    .hasMessageNotContaining("secret")
                    .hasNoCause();
        }

        @Test
        void emptyBytesHaveNoKey() {
            JsonPointerKey<String> key = IdempotencyKey.jsonPointerInBytes("/id", s -> new byte[0]);

            assertThatThrownBy(() -> key.keyOf("x", "msg-1")).hasMessageContaining("the value is missing");
        }
    }

    @Test
    void invalidPointerIsRejectedWhenTheKeyIsMade() {
        Function<String, JsonNode> tree = IdempotencyKeyTest::tree;

        assertThatThrownBy(() -> IdempotencyKey.jsonPointer("order/id", tree))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid JSON pointer 'order/id'. Expected an RFC 6901 pointer: empty for the whole "
                        + "payload, or starting with '/', e.g. /order/id.");
    }
}
