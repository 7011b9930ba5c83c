package io.esm4j.handler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/lambda-semantics.md §2.3 and §9: which function responses are success, item failures or a whole-batch failure.
 */
class LambdaResponsesTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" is success")
    @NullSource
    @ValueSource(strings = {"", "   ", "{}", "[]", "null", " null ", "\"\"", " \"\" ", "{\"batchItemFailures\":[]}",
            "{\"batchItemFailures\":null}"})
    void emptyAndNullResponsesAreSuccess(String response) {
        assertThat(LambdaResponses.parse(response)).isSameAs(BatchResult.success());
    }

    @ParameterizedTest(name = "[{index}] {0} is malformed")
    @ValueSource(strings = {
            "not json",
            "\"ok\"",
            "\" \"",
            "0",
            "true",
            "nul",
            "{}}",
            "{} trailing",
            "[]]",
            "null x",
            "{\"batchItemFailures\":[]} {\"batchItemFailures\":[]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"1\"}]}]",
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"1\"}",
            "{\"batchItemFailures\":[{}]}",
            "{\"batchItemFailures\":[{\"itemidentifier\":\"1\"}]}",
            "{\"batchItemFailures\":[{\"ItemIdentifier\":\"1\"}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":null}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":123}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":{}}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":[\"1\"]}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":true}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"1\"},{\"itemIdentifier\":\"\"}]}",
            "{\"batchItemFailures\":[{\"itemIdentifier\":\"1\"},{}]}",
            "{\"batchItemFailures\":\"1\"}",
            "{\"batchItemFailures\":{\"itemIdentifier\":\"1\"}}"})
    void invalidResponsesAreMalformed(String response) {
        assertThat(LambdaResponses.parse(response)).isInstanceOf(BatchResult.Malformed.class);
    }

    @Test
    void validIdentifiersAreParsedInResponseOrder() {
        BatchResult result = LambdaResponses.parse("""
                {"batchItemFailures":[
                  {"itemIdentifier":"49590338271490256608559692538361571095921575989136588898"},
                  {"itemIdentifier":"3"},
                  {"itemIdentifier":"2"}]}
                """);

        assertThat(result).isInstanceOf(BatchResult.ItemFailures.class);
        assertThat(((BatchResult.ItemFailures) result).itemIdentifiers())
                .containsExactly("49590338271490256608559692538361571095921575989136588898", "3", "2");
    }

    @Test
    void extraFieldsNextToTheIdentifierAreIgnored() {
        BatchResult result = LambdaResponses.parse(
                "{\"state\":{\"a\":\"b\"},\"batchItemFailures\":[{\"itemIdentifier\":\"7\",\"note\":1}]}");

        assertThat(result).isEqualTo(new BatchResult.ItemFailures(java.util.List.of("7")));
    }

    @Test
    void kafkaStyleObjectIdentifiersAreReadAsMapsWithLongNumbers() {
        BatchResult result = LambdaResponses.parse(
                "{\"batchItemFailures\":[{\"itemIdentifier\":{\"partition\":\"orders-0\",\"offset\":5}}]}");

        assertThat(result).isEqualTo(new BatchResult.ItemFailures(
                java.util.List.of(java.util.Map.of("partition", "orders-0", "offset", 5L))));
    }
}
