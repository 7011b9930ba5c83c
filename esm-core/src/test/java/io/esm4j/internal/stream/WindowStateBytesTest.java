package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A window's state counts as the JSON object it is in the event, against the 1 MB state limit and the 6 MB cap. */
class WindowStateBytesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theStatesBytesAreItsJsonAsJacksonWritesIt() throws Exception {
        Map<String, String> state = new LinkedHashMap<>();
        state.put("count", "282");
        state.put("quote\"and\\backslash", "line\nbreak\ttab\u0001control");
        state.put("näive", "日本 😀");
        state.put("", "");

        assertThat(WindowSession.jsonBytes(state)).isEqualTo(JSON.writeValueAsBytes(state).length);
        assertThat(WindowSession.jsonBytes(Map.of())).isEqualTo(JSON.writeValueAsBytes(Map.of()).length);
    }

    /** 120,000 counters: 960,000 bytes of keys and values, 1.68 MB as the JSON the event carries. */
    @Test
    void theOneMegabyteStateLimitCountsTheJsonNotOnlyKeysAndValues() {
        Map<String, String> state = new HashMap<>();
        for (int i = 0; i < 120_000; i++) {
            state.put("%07d".formatted(i), "1");
        }
        WindowSession<byte[]> session = WindowSession.containing(Instant.parse("2026-01-01T00:00:00Z"), 60);

        session.aggregated(List.of(), state);

        assertThat(session.stateTooBig()).isTrue();
    }

    /** The window fields of an event count exactly what RecordsJson.withWindow adds to the records' event. */
    @Test
    void theWindowFieldsCountWhatTheWindowEventAdds() {
        // Values that are no JSON text are written as strings, as the state counts them (JSON ones take less).
        Map<String, String> state = Map.of("count", "x282", "name", "日本 \"x\"");
        String shardId = "shardId-000000000007";
        String arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/ström";
        Instant start = Instant.parse("2026-01-01T00:01:00Z");
        String empty = "{\"Records\":[]}";
        for (boolean isFinal : new boolean[] {false, true}) {
            io.esm4j.handler.Batch<String> batch = new io.esm4j.handler.Batch<>(List.of(), shardId, arn, 1,
                    new io.esm4j.handler.TimeWindow(start, start.plusSeconds(60), state, isFinal, false));
            long added = io.esm4j.handler.RecordsJson.withWindow(empty, batch)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8).length - empty.length();
            long counted = WindowSession.eventFieldBytes(WindowSession.shardFieldBytes(shardId, arn), start, 60,
                    WindowSession.jsonBytes(state));
            // The flags count as false, the longer: a final invocation's event is one byte shorter.
            assertThat(counted).isEqualTo(added + (isFinal ? 1 : 0));
        }
    }
}
