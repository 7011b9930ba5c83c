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
}
