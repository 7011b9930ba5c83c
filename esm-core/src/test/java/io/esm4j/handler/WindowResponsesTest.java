package io.esm4j.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lambda's tumbling-window protocol in JSON, for a handler that calls a real function (docs/lambda-semantics.md §5):
 * the window event ({@link RecordsJson#withWindow}) and the window response ({@link LambdaResponses#parse(Batch,
 * String)}), whose state values are kept as their JSON text and written back as the JSON they were.
 */
class WindowResponsesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";

    private static Batch<String> batch(TimeWindow window) {
        return new Batch<>(List.of("r"), "shardId-000000000001", ARN, 1, window);
    }

    private static TimeWindow window(Map<String, String> state, boolean isFinal, boolean early) {
        return new TimeWindow(Instant.parse("2026-12-05T10:00:00Z"), Instant.parse("2026-12-05T10:00:30Z"), state,
                isFinal, early);
    }

    @Test
    void aWindowResponsesStateAndFailuresAreRead() {
        Batch<String> batch = batch(window(Map.of(), false, false));

        assertThat(LambdaResponses.parse(batch, "{\"state\": {}}")).isEqualTo(BatchResult.state(Map.of()));
        assertThat(LambdaResponses.parse(batch, "{\"state\": {\"n\": 1, \"s\": \"a\", \"l\": [1, {\"k\": null}]}, "
                + "\"batchItemFailures\": [{\"itemIdentifier\": \"49590338271\"}]}"))
                .isEqualTo(BatchResult.state(Map.of("n", "1", "s", "\"a\"", "l", "[1,{\"k\":null}]"),
                        List.of("49590338271")));
        assertThat(LambdaResponses.parse(batch, "{\"state\": {\"n\": 2}, \"batchItemFailures\": null}"))
                .isEqualTo(BatchResult.state(Map.of("n", "2")));
    }

    @Test
    void aWindowResponseWithoutStateFailsTheInvocationAsInLambda() {
        Batch<String> batch = batch(window(Map.of("n", "1"), true, false));

        for (String response : new String[] {null, "", " ", "null", "{}", "[]", "\"\"", "{\"state\": 5}",
                "{\"state\": null}", "{\"batchItemFailures\": []}"}) {
            assertThat(LambdaResponses.parse(batch, response)).as(String.valueOf(response)).isEqualTo(BatchResult.state(null));
        }
        assertThat(LambdaResponses.parse(batch, "{\"batchItemFailures\": [{\"itemIdentifier\": \"7\"}]}"))
                .isEqualTo(BatchResult.state(null, List.of("7")));
    }

    @Test
    void malformedWindowResponsesFailTheWholeBatch() {
        Batch<String> batch = batch(window(Map.of(), false, false));

        assertThat(LambdaResponses.parse(batch, "{\"state\": {} ")).isInstanceOf(BatchResult.Malformed.class);
        assertThat(LambdaResponses.parse(batch, "{\"state\": {}} x")).isInstanceOf(BatchResult.Malformed.class);
        assertThat(LambdaResponses.parse(batch, "{\"state\": {}, \"batchItemFailures\": [{}]}"))
                .isInstanceOf(BatchResult.Malformed.class);
    }

    @Test
    void withoutAWindowTheStateIsIgnoredAsInLambda() {
        Batch<String> plain = new Batch<>(List.of("r"), "shardId-000000000001", ARN, 1);

        assertThat(LambdaResponses.parse(plain, "{\"state\": {\"n\": 1}}")).isSameAs(BatchResult.success());
        assertThat(LambdaResponses.parse(plain, "")).isSameAs(BatchResult.success());
        assertThat(LambdaResponses.parse(plain, "{\"state\": {}, \"batchItemFailures\": [{\"itemIdentifier\": "
                + "\"7\"}]}")).isEqualTo(BatchResult.failures("7"));
        assertThat(RecordsJson.withWindow("{\"Records\":[]}", plain)).isEqualTo("{\"Records\":[]}");
    }

    @Test
    void theWindowEventCarriesLambdasFieldsAfterTheRecords() throws Exception {
        Map<String, String> state = new LinkedHashMap<>();
        state.put("count", "2");
        state.put("label", "\"a\"");
        state.put("plain", "not json");
        String records = "{\"Records\":[{\"n\":1.50}]}";

        String event = RecordsJson.withWindow(records, batch(window(state, true, true)));

        assertThat(event).startsWith("{\"Records\":[{\"n\":1.50}],\"window\":");
        JsonNode json = JSON.readTree(event);
        assertThat(json.path("window").path("start").asText()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(json.path("window").path("end").asText()).isEqualTo("2026-12-05T10:00:30Z");
        assertThat(json.path("state").path("count").isNumber()).isTrue();
        assertThat(json.path("state").path("count").asInt()).isEqualTo(2);
        assertThat(json.path("state").path("label").asText()).isEqualTo("a");
        assertThat(json.path("state").path("plain").asText()).as("set by an in-process handler").isEqualTo("not json");
        assertThat(json.path("shardId").asText()).isEqualTo("shardId-000000000001");
        assertThat(json.path("eventSourceARN").asText()).isEqualTo(ARN);
        assertThat(json.path("isFinalInvokeForWindow").asBoolean()).isTrue();
        assertThat(json.path("isWindowTerminatedEarly").asBoolean()).isTrue();
    }

    /** What the function answered is what it gets in the window's next event, a number as a number. */
    @Test
    void theStateAFunctionReturnsComesBackToItAsItWas() throws Exception {
        String response = "{\"state\": {\"count\": 3, \"keys\": [\"pk\", \"\u00e9\\n\"], \"label\": \"a\", "
                + "\"nested\": {\"x\": 1.25}}}";
        BatchResult.WindowState result = (BatchResult.WindowState) LambdaResponses.parse(
                batch(window(Map.of(), false, false)), response);

        String next = RecordsJson.withWindow("{\"Records\":[]}", batch(window(result.state(), false, false)));

        assertThat(JSON.readTree(next).path("state")).isEqualTo(JSON.readTree(response).path("state"));
    }

    @Test
    void anEventNotWrittenByRecordsJsonIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> RecordsJson.withWindow("[\"secret\"]", batch(window(Map.of(), false, false))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Records")
                .hasMessageNotContaining("secret");
    }
}
