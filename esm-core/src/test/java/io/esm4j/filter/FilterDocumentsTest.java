package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.doc;
import static io.esm4j.filter.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Lambda's per-source data keys and its rules for data, or patterns, that are not JSON. */
class FilterDocumentsTest {

    private static final byte[] NOT_UTF8 = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean keeps(String pattern, FilterDocument document) {
        return FilterCriteria.of(List.of(pattern)).matches(document);
    }

    @Test
    void kinesisJsonDataIsParsedUnderData() {
        assertThat(FilterDocuments.kinesisData(utf8(" {\"a\":[1,{\"b\":\"x\"}]}\n")))
                .isEqualTo(doc("{\"data\":{\"a\":[1,{\"b\":\"x\"}]}}"));
        assertThat(FilterDocuments.kinesisData(utf8("[1,2]"))).isEqualTo(doc("{\"data\":[1,2]}"));
    }

    /** Non-JSON data under a pattern on data: Lambda drops the record, whatever the pattern says. */
    @ParameterizedTest
    @ValueSource(strings = {"plain text", "5", "\"quoted\"", "{\"a\":", "{\"a\":1} extra", "", "true", "null"})
    void kinesisDataThatIsNotJsonFailsEveryPatternOnData(String data) {
        FilterDocument document = FilterDocuments.kinesisData(utf8(data));
        assertThat(keeps("{\"data\":{\"a\":[{\"exists\":false}]}}", document)).isFalse();
        assertThat(keeps("{\"data\":[{\"exists\":false}]}", document)).isFalse();
        assertThat(keeps("{\"data\":[{\"exists\":true}]}", document)).isFalse();
        assertThat(keeps("{\"data\":[{\"anything-but\":\"x\"}]}", document)).isFalse();
        assertThat(keeps("{\"data\":[\"" + data.replace("\"", "\\\"") + "\"]}", document)).isFalse();
        // a pattern that does not filter on data only sees what else the document holds
        assertThat(keeps("{\"partitionKey\":[{\"exists\":false}]}", document)).isTrue();
        assertThat(keeps("{\"$or\":[{\"data\":{\"a\":[\"1\"]}},{\"partitionKey\":[{\"exists\":false}]}]}", document))
                .isTrue();
    }

    @Test
    void kinesisDataThatIsNotUtf8IsNotJson() {
        assertThat(keeps("{\"data\":{\"a\":[{\"exists\":false}]}}", FilterDocuments.kinesisData(NOT_UTF8))).isFalse();
        byte[] utf16 = "{\"a\":1}".getBytes(StandardCharsets.UTF_16);
        assertThat(keeps("{\"data\":{\"a\":[1]}}", FilterDocuments.kinesisData(utf16))).isFalse();
    }

    @ParameterizedTest(name = "body {0}, pattern {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # plain body, plain pattern: filter on the string
            hello                      | {"body":["hello"]}                      | true
            hello                      | {"body":["bye"]}                        | false
            hello                      | {"body":[{"prefix":"he"}]}              | true
            hello                      | {"body":[{"exists":true}]}              | true
            # plain body, JSON pattern: dropped
            hello                      | {"body":{"k":["v"]}}                    | false
            hello                      | {"body":{"k":[{"exists":false}]}}       | false
            # a body that only looks like JSON is plain
            {not json                  | {"body":[{"prefix":"{not"}]}            | true
            {"k":"v"} tail             | {"body":{"k":["v"]}}                    | false
            123                        | {"body":["123"]}                        | true
            123                        | {"body":[123]}                          | false
            "quoted"                   | {"body":["\\"quoted\\""]}               | true
            # JSON body, JSON pattern: filter on the parsed body
            {"k":"v"}                  | {"body":{"k":["v"]}}                    | true
            {"k":"v"}                  | {"body":{"k":["w"]}}                    | false
            {"k":"v"}                  | {"body":{"j":[{"exists":false}]}}       | true
            [{"k":"v"},{"k":"w"}]      | {"body":{"k":["w"]}}                    | true
            # JSON body, plain pattern: dropped
            {"k":"v"}                  | {"body":["{\\"k\\":\\"v\\"}"]}          | false
            {"k":"v"}                  | {"body":[{"prefix":"{"}]}               | false
            {"k":"v"}                  | {"body":[{"exists":false}]}             | false
            {"k":"v"}                  | {"body":[{"exists":true}]}              | false
            # a JSON array of strings is JSON data, but EventBridge array semantics let a value list see its elements
            ["a","b"]                  | {"body":["a"]}                          | true
            """)
    void sqsBody(String body, String pattern, boolean expected) {
        assertThat(keeps(pattern, FilterDocuments.sqsBody(body))).isEqualTo(expected);
    }

    @Test
    void sqsBodyDocuments() {
        assertThat(FilterDocuments.sqsBody("plain")).isEqualTo(doc("{\"body\":\"plain\"}"));
        assertThat(FilterDocuments.sqsBody("")).isEqualTo(doc("{\"body\":\"\"}"));
        assertThat(FilterDocuments.sqsBody("\t{\"a\":1}")).isEqualTo(doc("{\"body\":{\"a\":1}}"));
    }

    @Test
    void dynamodbTypedJsonIsUsedAsIs() {
        var image = json("{\"NewImage\":{\"a\":{\"N\":\"5\"},\"b\":{\"S\":\"x\"}}}");
        FilterDocument document = FilterDocuments.dynamodb(image);
        assertThat(document.node().get("dynamodb")).isSameAs(image);
        assertThat(keeps("{\"dynamodb\":{\"NewImage\":{\"a\":{\"N\":[\"5\"]}}}}", document)).isTrue();
        assertThat(keeps("{\"dynamodb\":{\"NewImage\":{\"a\":{\"N\":[5]}}}}", document)).isFalse();
        assertThat(keeps("{\"dynamodb\":{\"NewImage\":{\"a\":{\"N\":[{\"numeric\":[\">\",0]}]}}}}", document))
                .isFalse();
    }

    @Test
    void kafkaJsonAndPlainValues() {
        assertThat(FilterDocuments.kafkaValue(utf8("{\"a\":1}"))).isEqualTo(doc("{\"value\":{\"a\":1}}"));
        assertThat(FilterDocuments.kafkaValue(utf8("plain"))).isEqualTo(doc("{\"value\":\"plain\"}"));
        assertThat(keeps("{\"value\":{\"a\":[1]}}", FilterDocuments.kafkaValue(utf8("{\"a\":1}")))).isTrue();
        assertThat(keeps("{\"value\":[\"plain\"]}", FilterDocuments.kafkaValue(utf8("plain")))).isTrue();
        assertThat(keeps("{\"value\":{\"a\":[{\"exists\":false}]}}", FilterDocuments.kafkaValue(utf8("plain"))))
                .isFalse();
        assertThat(keeps("{\"value\":[{\"exists\":true}]}", FilterDocuments.kafkaValue(utf8("{\"a\":1}")))).isFalse();
    }

    /** Lambda applies only metadata filters then; with the value left out, value patterns see an absent field. */
    @Test
    void kafkaValueThatIsNotUtf8OrNullIsLeftOut() {
        for (FilterDocument document : List.of(FilterDocuments.kafkaValue(NOT_UTF8), FilterDocuments.kafkaValue(null))) {
            assertThat(document).isEqualTo(doc("{}"));
            assertThat(keeps("{\"value\":[{\"anything-but\":\"error\"}]}", document)).isFalse();
            assertThat(keeps("{\"value\":{\"a\":[\"1\"]}}", document)).isFalse();
            assertThat(keeps("{\"value\":[{\"exists\":false}]}", document)).isTrue();
        }
    }

    @Test
    void nullPayloadsAreRejectedWhereSourcesNeverProduceThem() {
        assertThatThrownBy(() -> FilterDocuments.kinesisData(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FilterDocuments.sqsBody(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FilterDocuments.dynamodb((JsonNode) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FilterDocuments.dynamodb((String) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FilterDocument.ofJson(null)).isInstanceOf(NullPointerException.class);
    }

    /** The overload for sources that hold the dynamodb object as text, so that they need no JSON library type. */
    @Test
    void dynamodbFromJsonTextIsTheSameDocument() {
        String image = "{\"NewImage\":{\"a\":{\"N\":\"5\"}}}";
        assertThat(FilterDocuments.dynamodb(image)).isEqualTo(FilterDocuments.dynamodb(json(image)))
                .isEqualTo(doc("{\"dynamodb\":" + image + "}"));
        assertThatThrownBy(() -> FilterDocuments.dynamodb("[1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected the dynamodb object of a DynamoDB Streams record as a JSON object, but got a JSON "
                        + "array");
        assertThatThrownBy(() -> FilterDocuments.dynamodb("{\"NewImage\":")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Expected one JSON value as a filter document, but the text (12 characters) is "
                        + "not valid JSON (the parser stopped at line 1, column ");
    }

    @Test
    void documentsGivenAsJsonAreUsedAsTheyAre() {
        assertThat(doc(" {\"a\": [1, \"x\"]} ")).isEqualTo(doc("{\"a\":[1,\"x\"]}"))
                .hasSameHashCodeAs(doc("{\"a\":[1,\"x\"]}"))
                .hasToString("{\"a\":[1,\"x\"]}");
        // no per-source rule: a string stays a string, whatever it holds
        assertThat(keeps("{\"body\":[\"{}\"]}", doc("{\"body\":\"{}\"}"))).isTrue();
        assertThat(doc("[1]")).isNotEqualTo(doc("{}"));
        assertThat(FilterDocuments.kinesisData(utf8("plain"))).hasToString("{\"data\":null}")
                .isNotEqualTo(doc("{\"data\":null}"));
    }

    /** The parser's message says what is wrong; the text itself is record data and stays out of the message. */
    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "plain secret", "{\"a\":1} secret", "{\"a\":"})
    void textThatIsNotOneJsonValueIsRejected(String text) {
        assertThatThrownBy(() -> FilterDocument.ofJson(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Expected one JSON value as a filter document, but the text ("
                        + text.length() + " characters) ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
    }
}
