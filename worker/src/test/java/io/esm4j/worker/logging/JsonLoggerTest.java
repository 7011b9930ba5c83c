package io.esm4j.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
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

    /**
     * The engine logs through SLF4J's fluent API: each key-value is a field with its whole value (reasons and
     * checkpoints have spaces, exception texts have "a=b"), numbers and booleans as such, and nothing of one value
     * leaks into another field or into the message.
     */
    @Test
    void keyValuesOfTheFluentApiAreFieldsWithTheirWholeValue() throws Exception {
        String line = capture(new JsonLogger("io.esm4j.internal.Test", new LogSettings(true, Level.INFO)), logger ->
                logger.atWarn().addKeyValue("mapping", "orders").addKeyValue("error", "Throttled: rate=5 {}")
                        .addKeyValue("reason", "another worker took the lease (owner now w2)")
                        .addKeyValue("failuresInARow", 3).addKeyValue("released", true).addKeyValue("owner", (Object) null)
                        .addKeyValue("ratio", 0.75).addKeyValue("lagBytes", java.math.BigInteger.TEN.pow(20))
                        .addKeyValue("undefined", Double.NaN)
                        .setCause(new IllegalStateException("boom")).log("lease lost; the shard stops here"));

        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("message").asText()).isEqualTo("lease lost; the shard stops here");
        assertThat(json.path("mapping").asText()).isEqualTo("orders");
        assertThat(json.path("error").asText()).isEqualTo("Throttled: rate=5 {}");
        assertThat(json.path("reason").asText()).isEqualTo("another worker took the lease (owner now w2)");
        assertThat(json.path("failuresInARow").isInt()).isTrue();
        assertThat(json.path("failuresInARow").asInt()).isEqualTo(3);
        assertThat(json.path("released").isBoolean()).isTrue();
        assertThat(json.path("owner").isNull()).isTrue();
        assertThat(json.path("ratio").isDouble()).isTrue();
        assertThat(json.path("ratio").asDouble()).isEqualTo(0.75);
        assertThat(json.path("lagBytes").isBigInteger()).isTrue();
        assertThat(json.path("undefined").asText()).isEqualTo("NaN");
        assertThat(json.has("rate")).isFalse();
        assertThat(json.path("stack").asText()).startsWith("java.lang.IllegalStateException: boom");

        String text = capture(new JsonLogger("io.esm4j.internal.Test", new LogSettings(false, Level.INFO)), logger ->
                logger.atInfo().addKeyValue("mapping", "orders").addKeyValue("shardId", "s-1").log("shard finished"));
        assertThat(text).endsWith("INFO Test - mapping=orders shardId=s-1 shard finished");
        assertThat(capture(new JsonLogger("io.esm4j.x", new LogSettings(true, Level.WARN)), logger ->
                logger.atInfo().addKeyValue("mapping", "orders").log("hidden"))).isEmpty();
    }

    /** A handler's own lines carry what the engine put in the MDC for its call; a key the line gives wins. */
    @Test
    void theMdcOfAHandlersCallIsWrittenWithEachLine() throws Exception {
        String line;
        String text;
        try (MDC.MDCCloseable mapping = MDC.putCloseable("esm4j.mapping", "m-1");
             MDC.MDCCloseable partition = MDC.putCloseable("esm4j.partition", "shardId-000000000001")) {
            line = capture(new JsonLogger("com.example.Handler", new LogSettings(true, Level.INFO)), logger ->
                    logger.atInfo().addKeyValue("esm4j.partition", "the line's own").log("order stored"));
            text = capture(new JsonLogger("com.example.Handler", new LogSettings(false, Level.INFO)), logger ->
                    logger.info("order stored"));
        }

        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("esm4j.mapping").asText()).isEqualTo("m-1");
        assertThat(json.path("esm4j.partition").asText()).isEqualTo("the line's own");
        assertThat(text).endsWith("INFO Handler - esm4j.mapping=m-1 esm4j.partition=shardId-000000000001 order stored");
        assertThat(capture(new JsonLogger("com.example.Handler", new LogSettings(false, Level.INFO)), logger ->
                logger.info("after the call"))).endsWith("INFO Handler - after the call");
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

    /**
     * With a broker down, each Kafka consumer's NetworkClient warns at every reconnect, about once a second, for as
     * long as the outage lasts: a worker with many Kafka mappings logged little else. Its first WARN is written, the
     * next ones within 5 minutes are not (WarnLimitTest: the next one after says how many were not).
     */
    @Test
    void aKafkaClientsRepeatedWarningsAreWrittenOnce() {
        JsonLogger networkClient = new JsonLogger("org.apache.kafka.clients.NetworkClient",
                new LogSettings(true, Level.INFO));
        String lines = capture(networkClient, logger -> {
            for (int i = 0; i < 5; i++) {
                logger.warn("[Consumer clientId=consumer-orders-1, groupId=orders] Connection to node -1 "
                        + "(localhost/127.0.0.1:9092) could not be established. Node may not be available.");
            }
        });

        assertThat(lines.lines().toList()).singleElement().asString().contains("could not be established");
        assertThat(capture(new JsonLogger("io.esm4j.kafka.Test", new LogSettings(true, Level.INFO)), logger -> {
            logger.warn("one");
            logger.warn("two");
        }).lines()).as("esm4j's own warnings are not limited here").hasSize(2);
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
