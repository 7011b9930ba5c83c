package io.esm4j.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.esm4j.settings.HandlerThreads.VIRTUAL;
import static java.time.Duration.ZERO;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryQueue;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Queue settings fail with the same InvalidSettingException as stream settings, whichever way they arrive. */
class QueueSettingsTest {

    private static final Duration S20 = Duration.ofSeconds(20);
    private static final Duration MIN15 = Duration.ofMinutes(15);
    private static final Duration S1 = Duration.ofSeconds(1);
    private static final Duration MIN1 = Duration.ofMinutes(1);

    /** QueueSettings is a public record: its constructor must reject what the builder rejects, with the same message. */
    static Stream<Arguments> outOfRange() {
        return Stream.of(
                bad("Invalid value for BatchSize: 0. Expected an integer from 1 to 10,000.",
                        () -> new QueueSettings(0, ZERO, false, 5, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.batchSize(0)),
                bad("Invalid value for BatchSize: 10001. Expected an integer from 1 to 10,000.",
                        () -> new QueueSettings(10_001, S1, false, 5, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.batchSize(10_001).maximumBatchingWindow(S1)),
                bad("Invalid value for MaximumBatchingWindowInSeconds: 0 s. Expected a window above 0 when BatchSize "
                                + "is above 10 (BatchSize is 11).",
                        () -> new QueueSettings(11, ZERO, false, 5, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.batchSize(11)),
                bad("Invalid value for MaximumBatchingWindowInSeconds: 301 s. Expected a duration from 0 s to 5 min.",
                        () -> new QueueSettings(10, Duration.ofSeconds(301), false, 5, S20, S1, MIN15,
                                S1, MIN1, VIRTUAL),
                        b -> b.maximumBatchingWindowInSeconds(301)),
                bad("Invalid value for MaximumBatchingWindowInSeconds: 1 ns. Expected a whole number of seconds from 0 "
                                + "to 300, as in Lambda.",
                        () -> new QueueSettings(100, Duration.ofNanos(1), false, 5, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.batchSize(100).maximumBatchingWindow(Duration.ofNanos(1))),
                bad("Invalid value for MaximumBatchingWindowInSeconds: 1500 ms. Expected a whole number of seconds "
                                + "from 0 to 300, as in Lambda.",
                        () -> new QueueSettings(10, Duration.ofMillis(1500), false, 5, S20, S1, MIN15,
                                S1, MIN1, VIRTUAL),
                        b -> b.maximumBatchingWindow(Duration.ofMillis(1500))),
                bad("Invalid value for MaximumBatchingWindowInSeconds: null. Expected a duration from 0 s to 5 min.",
                        () -> new QueueSettings(10, null, false, 5, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.maximumBatchingWindow(null)),
                bad("Invalid value for MaximumConcurrency: 1. Expected an integer from 2 to 1,000.",
                        () -> new QueueSettings(10, ZERO, false, 1, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.maximumConcurrency(1)),
                bad("Invalid value for MaximumConcurrency: 1001. Expected an integer from 2 to 1,000.",
                        () -> new QueueSettings(10, ZERO, false, 1001, S20, S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.maximumConcurrency(1001)),
                bad("Invalid value for ReceiveWaitTime: 21 s. Expected a duration from 0 s to 20 s.",
                        () -> new QueueSettings(10, ZERO, false, 5, Duration.ofSeconds(21), S1, MIN15,
                                S1, MIN1, VIRTUAL),
                        b -> b.receiveWaitTime(Duration.ofSeconds(21))),
                bad("Invalid value for ReceiveWaitTime: -1 ns. Expected a duration from 0 s to 20 s.",
                        () -> new QueueSettings(10, ZERO, false, 5, Duration.ofNanos(-1), S1, MIN15, S1, MIN1, VIRTUAL),
                        b -> b.receiveWaitTime(Duration.ofNanos(-1))),
                bad("Invalid value for IdlePollInterval: 11 s. Expected a duration from 0 s to 10 s.",
                        () -> new QueueSettings(10, ZERO, false, 5, S20, Duration.ofSeconds(11), MIN15,
                                S1, MIN1, VIRTUAL),
                        b -> b.idlePollInterval(Duration.ofSeconds(11))),
                bad("Invalid value for VisibilityExtensionLimit: 721 min. Expected a duration from 0 s to 12 h.",
                        () -> new QueueSettings(10, ZERO, false, 5, S20, S1, Duration.ofMinutes(721),
                                S1, MIN1, VIRTUAL),
                        b -> b.visibilityExtensionLimit(Duration.ofMinutes(721))),
                bad("Invalid value for RetryBackoffInitial: 0 s. Expected a duration from 1 ms to 15 min.",
                        () -> new QueueSettings(10, ZERO, false, 5, S20, S1, MIN15, ZERO, MIN1, VIRTUAL),
                        b -> b.retryBackoff(ZERO, MIN1)),
                bad("Invalid value for RetryBackoffMax: 16 min. Expected a duration from 1 ms to 15 min.",
                        () -> new QueueSettings(10, ZERO, false, 5, S20, S1, MIN15, S1, Duration.ofMinutes(16),
                                VIRTUAL),
                        b -> b.retryBackoff(S1, Duration.ofMinutes(16))),
                bad("Invalid value for RetryBackoffMax: 1 s. Expected at least RetryBackoffInitial (2 s).",
                        () -> new QueueSettings(10, ZERO, false, 5, S20, S1, MIN15, Duration.ofSeconds(2), S1, VIRTUAL),
                        b -> b.retryBackoff(Duration.ofSeconds(2), S1)),
                bad("Invalid value for HandlerThreads: null. Expected one of VIRTUAL, PLATFORM.",
                        () -> new QueueSettings(10, ZERO, false, 5, S20, S1, MIN15, S1, MIN1, null),
                        b -> b.handlerThreads(null)));
    }

    private static Arguments bad(String message, ThrowingCallable construct, Consumer<QueueSettings.Builder> change) {
        return Arguments.of(message, construct, change);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("outOfRange")
    void theConstructorAndTheBuilderRejectAnOutOfRangeValueAlike(String message, ThrowingCallable construct,
                                                                 Consumer<QueueSettings.Builder> change) {
        QueueSettings.Builder builder = QueueSettings.builder();
        change.accept(builder);

        assertThatThrownBy(construct).isInstanceOf(InvalidSettingException.class).hasMessage(message);
        assertThatThrownBy(builder::build).isInstanceOf(InvalidSettingException.class).hasMessage(message);
    }

    @Test
    void theConstructorBuildsWhatTheBuilderBuilds() {
        assertThat(new QueueSettings(10, ZERO, false, 5, S20, S1, MIN15, S1, MIN1, VIRTUAL))
                .isEqualTo(QueueSettings.defaults());
        assertThat(new QueueSettings(10_000, Duration.ofSeconds(300), true, 1_000, ZERO, Duration.ofSeconds(10),
                Duration.ofHours(12), Duration.ofMillis(1), Duration.ofMillis(1), HandlerThreads.PLATFORM))
                .isEqualTo(QueueSettings.builder().batchSize(10_000).maximumBatchingWindowInSeconds(300)
                        .reportBatchItemFailures(true).maximumConcurrency(1_000).receiveWaitTime(ZERO)
                        .idlePollInterval(Duration.ofSeconds(10)).visibilityExtensionLimit(Duration.ofHours(12))
                        .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
                        .handlerThreads(HandlerThreads.PLATFORM).build());
    }

    @Test
    void queueMappingBuilderRejectsNullSettingsLikeTheStreamBuilder() {
        QueueEventSourceMapping.Builder<?> builder = QueueEventSourceMapping.builder("m",
                InMemoryQueue.standard("q").build(), batch -> BatchResult.success());

        assertThatThrownBy(() -> builder.settings(null))
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.parameter()).isEqualTo("settings"))
                .hasMessageStartingWith("Invalid value for settings: null.")
                .hasMessageContaining("QueueSettings");
    }
}
