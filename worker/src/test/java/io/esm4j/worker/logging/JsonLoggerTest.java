package io.esm4j.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class JsonLoggerTest {

    @Test
    void writesOneJsonObjectPerEventWithTheMessagesFieldsAndTheStack() throws Exception {
        String line = capture(new JsonLogger("io.esm4j.worker.Test", new LogSettings(true, Level.INFO)), logger ->
                logger.warn("mapping start failed uuid={} attempt={} error={}", "u-1", 2,
                        "SdkClientException: a=b c=d", new IllegalStateException("boom")));

        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("io.esm4j.worker.Test");
        assertThat(json.path("message").asText()).startsWith("mapping start failed uuid=u-1");
        assertThat(json.path("uuid").asText()).isEqualTo("u-1");
        assertThat(json.path("attempt").asText()).isEqualTo("2");
        assertThat(json.path("error").asText()).isEqualTo("SdkClientException: a=b c=d");
        assertThat(json.has("a")).isFalse();
        assertThat(json.path("stack").asText()).startsWith("java.lang.IllegalStateException: boom");
        assertThat(json.path("time").asText()).isNotBlank();
    }

    @Test
    void levelsBelowTheThresholdAreDroppedAndChattyLibrariesStayQuiet() {
        LogSettings settings = new LogSettings(true, Level.INFO);
        assertThat(capture(new JsonLogger("io.esm4j.x", settings), logger -> logger.debug("hidden"))).isEmpty();
        assertThat(capture(new JsonLogger("org.apache.pekko.actor", settings), logger -> logger.info("queue")))
                .isEmpty();
        assertThat(capture(new JsonLogger("io.esm4j.x", new LogSettings(false, Level.INFO)),
                logger -> logger.info("worker stopped"))).endsWith("INFO x - worker stopped");
    }

    private static String capture(JsonLogger logger, java.util.function.Consumer<JsonLogger> log) {
        PrintStream original = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            log.accept(logger);
        } finally {
            System.setErr(original);
        }
        return bytes.toString(StandardCharsets.UTF_8).strip();
    }
}
