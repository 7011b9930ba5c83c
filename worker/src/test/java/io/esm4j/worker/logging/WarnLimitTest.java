package io.esm4j.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The Kafka clients' WARN lines, one per logger every 5 minutes: a broker that stays down still shows, with how many
 * lines were not written; a level named for the logger ({@code -Desm4j.log.level.<logger>}) lifts the limit.
 */
class WarnLimitTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NETWORK_CLIENT = "org.apache.kafka.clients.NetworkClient";

    @Test
    void aWarningThatGoesOnIsWrittenEveryFiveMinutesWithHowManyWereNot() throws Exception {
        AtomicLong now = new AtomicLong();
        JsonLogger logger = new JsonLogger(NETWORK_CLIENT, new LogSettings(true, Level.INFO), now::get);

        List<String> lines = capture(() -> {
            for (int second = 0; second <= 600; second++) {
                now.set(Duration.ofSeconds(second).toNanos());
                logger.warn("Connection to node -1 (localhost/127.0.0.1:9092) could not be established.");
            }
        });

        assertThat(lines).hasSize(3);
        assertThat(JSON.readTree(lines.get(0)).has("notLoggedAtWarn")).isFalse();
        JsonNode summary = JSON.readTree(lines.get(1));
        assertThat(summary.path("level").asText()).isEqualTo("WARN");
        assertThat(summary.path("notLoggedAtWarn").asInt()).isEqualTo(299);
        assertThat(JSON.readTree(lines.get(2)).path("notLoggedAtWarn").asInt()).isEqualTo(299);
    }

    @Test
    void aLevelNamedForTheLoggerWritesEveryOneOrNone() {
        LogSettings every = new LogSettings(true, Level.INFO, Map.of(NETWORK_CLIENT, Level.WARN));
        JsonLogger all = new JsonLogger(NETWORK_CLIENT, every);
        assertThat(capture(() -> {
            all.warn("one");
            all.warn("two");
        })).hasSize(2);

        LogSettings none = new LogSettings(true, Level.INFO, Map.of("org.apache.kafka.clients", Level.ERROR));
        JsonLogger quiet = new JsonLogger(NETWORK_CLIENT, none);
        assertThat(capture(() -> quiet.warn("one"))).isEmpty();
        // A named prefix is the logger's level, below the level set and the one Kafka's loggers are held at too.
        assertThat(new LogSettings(true, Level.INFO, Map.of("org.apache.kafka", Level.DEBUG))
                .threshold("org.apache.kafka.clients.consumer.KafkaConsumer")).isEqualTo(Level.DEBUG);
    }

    @Test
    void levelsNamedForLoggersAreReadAndCheckedFromSystemProperties() {
        System.setProperty("esm4j.log.level.org.apache.kafka.clients.NetworkClient", "warn");
        try {
            LogSettings.check();
            assertThat(LogSettings.fromSystemProperties().levels())
                    .containsEntry(NETWORK_CLIENT, Level.WARN);
            System.setProperty("esm4j.log.level.org.apache.kafka.clients.NetworkClient", "loud");
            org.assertj.core.api.Assertions.assertThatThrownBy(LogSettings::check)
                    .hasMessage("Invalid value for -Desm4j.log.level.org.apache.kafka.clients.NetworkClient: loud. "
                            + "Expected one of ERROR, WARN, INFO, DEBUG, TRACE.");
        } finally {
            System.clearProperty("esm4j.log.level.org.apache.kafka.clients.NetworkClient");
        }
    }

    private static List<String> capture(Runnable log) {
        PrintStream original = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            log.run();
        } finally {
            System.setErr(original);
        }
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
