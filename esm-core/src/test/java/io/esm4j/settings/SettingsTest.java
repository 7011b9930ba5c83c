package io.esm4j.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Settings carry Lambda's names, ranges and defaults (docs/lambda-semantics.md §1.1) and fail at build time with a
 * message that names the parameter, the value and the allowed range (docs/design.md guarantee 5).
 */
class SettingsTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private static StreamSettings.Builder valid() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON);
    }

    /** parameter, value as written in the message, expected-range words, the invalid change. */
    static Stream<Arguments> outOfRange() {
        return Stream.of(
                bad("BatchSize", "0", "from 1 to 10,000", b -> b.batchSize(0)),
                bad("BatchSize", "10001", "from 1 to 10,000", b -> b.batchSize(10_001)),
                bad("BatchSize", "-1", "from 1 to 10,000", b -> b.batchSize(-1)),
                bad("MaximumBatchingWindowInSeconds", "-1 ms", "from 0 s to 5 min",
                        b -> b.maximumBatchingWindow(Duration.ofMillis(-1))),
                bad("MaximumBatchingWindowInSeconds", "301 s", "from 0 s to 5 min",
                        b -> b.maximumBatchingWindowInSeconds(301)),
                bad("MaximumBatchingWindowInSeconds", "300001 ms", "from 0 s to 5 min",
                        b -> b.maximumBatchingWindow(Duration.ofMillis(300_001))),
                bad("MaximumBatchingWindowInSeconds", "null", "from 0 s to 5 min",
                        b -> b.maximumBatchingWindow(null)),
                bad("ParallelizationFactor", "0", "from 1 to 10", b -> b.parallelizationFactor(0)),
                bad("ParallelizationFactor", "11", "from 1 to 10", b -> b.parallelizationFactor(11)),
                bad("MaximumRecordAgeInSeconds", "0", "equal to -1 or from 60 to 604,800",
                        b -> b.maximumRecordAgeInSeconds(0)),
                bad("MaximumRecordAgeInSeconds", "59", "equal to -1 or from 60 to 604,800",
                        b -> b.maximumRecordAgeInSeconds(59)),
                bad("MaximumRecordAgeInSeconds", "604801", "equal to -1 or from 60 to 604,800",
                        b -> b.maximumRecordAgeInSeconds(604_801)),
                bad("MaximumRecordAgeInSeconds", "-2", "equal to -1 or from 60 to 604,800",
                        b -> b.maximumRecordAgeInSeconds(-2)),
                bad("MaximumRetryAttempts", "-2", "equal to -1 or from 0 to 10,000",
                        b -> b.maximumRetryAttempts(-2)),
                bad("MaximumRetryAttempts", "10001", "equal to -1 or from 0 to 10,000",
                        b -> b.maximumRetryAttempts(10_001)),
                bad("RetryBackoffInitial", "0 s", "from 1 ms to 15 min",
                        b -> b.retryBackoff(Duration.ZERO, Duration.ofSeconds(1))),
                bad("RetryBackoffInitial", "999.999 µs", "from 1 ms to 15 min",
                        b -> b.retryBackoff(Duration.ofNanos(999_999), Duration.ofSeconds(1))),
                bad("RetryBackoffInitial", "16 min", "from 1 ms to 15 min",
                        b -> b.retryBackoff(Duration.ofMinutes(16), Duration.ofMinutes(15))),
                bad("RetryBackoffMax", "0 s", "from 1 ms to 15 min",
                        b -> b.retryBackoff(Duration.ofMillis(1), Duration.ZERO)),
                bad("RetryBackoffMax", "16 min", "from 1 ms to 15 min",
                        b -> b.retryBackoff(Duration.ofMillis(1), Duration.ofMinutes(16))),
                bad("RetryBackoffMax", "1 s", "at least RetryBackoffInitial (2 s)",
                        b -> b.retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1))),
                bad("MaxBufferedRecordsPerShard", "0", "from 1 to 1,000,000",
                        b -> b.maxBufferedRecordsPerShard(0)),
                bad("MaxBufferedRecordsPerShard", "1000001", "from 1 to 1,000,000",
                        b -> b.maxBufferedRecordsPerShard(1_000_001)),
                bad("MaxBufferedMegabytesPerShard", "5", "from 6 to 4,096",
                        b -> b.maxBufferedMegabytesPerShard(5)),
                bad("MaxBufferedMegabytesPerShard", "4097", "from 6 to 4,096",
                        b -> b.maxBufferedMegabytesPerShard(4_097)),
                bad("IdlePollInterval", "-1 ms", "from 0 s to 10 s",
                        b -> b.idlePollInterval(Duration.ofMillis(-1))),
                bad("IdlePollInterval", "10001 ms", "from 0 s to 10 s",
                        b -> b.idlePollInterval(Duration.ofMillis(10_001))),
                bad("IdlePollInterval", "-1 ns", "from 0 s to 10 s",
                        b -> b.idlePollInterval(Duration.ofNanos(-1))),
                bad("IdlePollInterval", "10000.000001 ms", "from 0 s to 10 s",
                        b -> b.idlePollInterval(Duration.ofSeconds(10).plusNanos(1))),
                bad("ShardSyncInterval", "99 ms", "from 100 ms to 1 h",
                        b -> b.shardSyncInterval(Duration.ofMillis(99))),
                bad("ShardSyncInterval", "61 min", "from 100 ms to 1 h",
                        b -> b.shardSyncInterval(Duration.ofMinutes(61))),
                bad("CheckpointInterval", "-1 ms", "from 0 s to 5 min",
                        b -> b.checkpointInterval(Duration.ofMillis(-1))),
                bad("CheckpointInterval", "6 min", "from 0 s to 5 min",
                        b -> b.checkpointInterval(Duration.ofMinutes(6))),
                bad("FailoverTime", "299 ms", "from 300 ms to 10 min",
                        b -> b.failoverTime(Duration.ofMillis(299))),
                bad("FailoverTime", "11 min", "from 300 ms to 10 min",
                        b -> b.failoverTime(Duration.ofMinutes(11))),
                bad("MaxLeasesToStealAtOneTime", "-1", "from 0 to 100",
                        b -> b.maxLeasesToStealAtOneTime(-1)),
                bad("MaxLeasesToStealAtOneTime", "101", "from 0 to 100",
                        b -> b.maxLeasesToStealAtOneTime(101)),
                bad("MaximumConcurrency", "0", "equal to -1 or from 1 to 1,000", b -> b.maximumConcurrency(0)),
                bad("MaximumConcurrency", "1001", "equal to -1 or from 1 to 1,000",
                        b -> b.maximumConcurrency(1_001)),
                bad("GracefulHandoffTimeout", "-1 ms", "from 0 s to 15 min",
                        b -> b.gracefulHandoffTimeout(Duration.ofMillis(-1))),
                bad("GracefulHandoffTimeout", "16 min", "from 0 s to 15 min",
                        b -> b.gracefulHandoffTimeout(Duration.ofMinutes(16))),
                bad("TumblingWindowInSeconds", "-1", "from 0 to 900", b -> b.tumblingWindowInSeconds(-1)),
                bad("TumblingWindowInSeconds", "901", "from 0 to 900", b -> b.tumblingWindowInSeconds(901)),
                bad("ParallelizationFactor", "2", "1 when TumblingWindowInSeconds is set (it is 60)",
                        b -> b.tumblingWindowInSeconds(60).parallelizationFactor(2)),
                bad("StartingPosition", "null", "TRIM_HORIZON, LATEST, AT_TIMESTAMP",
                        b -> b.startingPosition(null)),
                bad("HandlerThreads", "null", "one of VIRTUAL, PLATFORM", b -> b.handlerThreads(null)),
                bad("StartingPositionTimestamp", "null", "AT_TIMESTAMP",
                        b -> b.startingPosition(StartingPosition.AT_TIMESTAMP)),
                bad("StartingPositionTimestamp", NOW.toString(), "AT_TIMESTAMP",
                        b -> b.startingPosition(StartingPosition.TRIM_HORIZON).startingPositionTimestamp(NOW)),
                bad("StartingPositionTimestamp", NOW.toString(), "AT_TIMESTAMP",
                        b -> b.startingPosition(StartingPosition.LATEST).startingPositionTimestamp(NOW)));
    }

    private static Arguments bad(String parameter, String value, String range,
                                 Consumer<StreamSettings.Builder> change) {
        return Arguments.of(parameter, value, range, change);
    }

    @ParameterizedTest(name = "[{index}] {0} = {1}")
    @MethodSource("outOfRange")
    void outOfRangeValuesFailNamingParameterValueAndRange(String parameter, String value, String range,
                                                         Consumer<StreamSettings.Builder> change) {
        StreamSettings.Builder builder = valid();
        change.accept(builder);

        assertThatThrownBy(builder::build)
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.parameter()).isEqualTo(parameter);
                    assertThat(e.getMessage())
                            .startsWith("Invalid value for " + parameter + ": " + value + ".")
                            .contains(range);
                });
    }

    /**
     * StreamSettings is a public record, so its canonical constructor is public: it must reject every case above
     * exactly as the builder does. The builder's fields are named as the record's components, which lets each case
     * pass the builder's values to the constructor.
     */
    @ParameterizedTest(name = "[{index}] {0} = {1}")
    @MethodSource("outOfRange")
    void theConstructorRejectsEveryValueTheBuilderRejects(String parameter, String value, String range,
                                                          Consumer<StreamSettings.Builder> change) {
        StreamSettings.Builder builder = valid();
        change.accept(builder);

        assertThatThrownBy(() -> constructDirectly(builder))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.parameter()).isEqualTo(parameter);
                    assertThat(e.getMessage())
                            .startsWith("Invalid value for " + parameter + ": " + value + ".")
                            .contains(range);
                });
    }

    @Test
    void theConstructorBuildsWhatTheBuilderBuilds() throws Throwable {
        StreamSettings.Builder builder = valid().batchSize(7).parallelizationFactor(3)
                .maximumBatchingWindow(Duration.ofMillis(1500));

        assertThat(constructDirectly(builder)).isEqualTo(builder.build());
        StreamSettings custom = builder.maximumConcurrency(5).gracefulHandoffTimeout(Duration.ofSeconds(7))
                .handlerThreads(HandlerThreads.PLATFORM).maximumRetryAttempts(3).functionArn("arn:aws:lambda:us-east-1:123456789012:function:f").build();
        assertThat(custom.toBuilder().build()).isEqualTo(custom);
        assertThat(custom.toBuilder().maximumRetryAttempts(10).build())
                .isEqualTo(custom.toBuilder().build().toBuilder().maximumRetryAttempts(10).build())
                .isNotEqualTo(custom);
        assertThat(new StreamSettings(100, Duration.ZERO, 1, StartingPosition.LATEST, null, false, -1, -1, false,
                false, null, Duration.ofSeconds(1), Duration.ofMinutes(1), 20_000, 64, Duration.ofMillis(250),
                Duration.ofSeconds(30), 0, Duration.ofSeconds(1), Duration.ofSeconds(10), 1, -1, Duration.ofSeconds(30),
                HandlerThreads.VIRTUAL))
                .isEqualTo(StreamSettings.builder().startingPosition(StartingPosition.LATEST).build());
        assertThatThrownBy(() -> new StreamSettings(0, Duration.ZERO, 1, StartingPosition.LATEST, null, false, -1,
                -1, false, false, null, Duration.ofSeconds(1), Duration.ofMinutes(1), 20_000, 64,
                Duration.ofMillis(250), Duration.ofSeconds(30), 0, Duration.ofSeconds(1), Duration.ofSeconds(10), 1,
                -1, Duration.ofSeconds(30), HandlerThreads.VIRTUAL))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for BatchSize: 0. Expected an integer from 1 to 10,000.");
    }

    private static StreamSettings constructDirectly(StreamSettings.Builder builder) throws Throwable {
        RecordComponent[] components = StreamSettings.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Field field = StreamSettings.Builder.class.getDeclaredField(components[i].getName());
            field.setAccessible(true);
            types[i] = components[i].getType();
            values[i] = field.get(builder);
        }
        try {
            return StreamSettings.class.getConstructor(types).newInstance(values);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A new numeric or duration setting must get an out-of-range case above. */
    @Test
    void everyRangedSettingHasOutOfRangeCasesOnBothSides() {
        Set<String> covered = outOfRange().map(a -> (String) a.get()[0]).collect(Collectors.toSet());
        List<String> ranged = StreamSettings.ALL.stream()
                .filter(s -> s instanceof Setting.IntSetting || s instanceof Setting.DurationSetting)
                .map(Setting::name).toList();

        assertThat(ranged).isNotEmpty();
        assertThat(covered).containsAll(ranged);
    }

    /** Independent of the builder: every ranged setting's own check rejects just outside and accepts the edges. */
    @Test
    void everyRangedSettingRejectsJustOutsideItsBoundsAndAcceptsThem() {
        for (Setting setting : StreamSettings.ALL) {
            if (setting instanceof Setting.IntSetting s) {
                assertThat(s.check(s.min())).isEqualTo(s.min());
                assertThat(s.check(s.max())).isEqualTo(s.max());
                assertThat(s.check(s.defaultValue())).isEqualTo(s.defaultValue());
                int below = s.unlimited() != null && s.unlimited() == s.min() - 1 ? s.min() - 2 : s.min() - 1;
                assertThatThrownBy(() -> s.check(below)).as(s.name() + " " + below)
                        .isInstanceOf(InvalidSettingException.class).hasMessageContaining(s.name());
                assertThatThrownBy(() -> s.check(s.max() + 1)).as(s.name() + " max+1")
                        .isInstanceOf(InvalidSettingException.class).hasMessageContaining(s.name());
            } else if (setting instanceof Setting.DurationSetting s) {
                assertThat(s.check(s.min())).isEqualTo(s.min());
                assertThat(s.check(s.max())).isEqualTo(s.max());
                assertThat(s.check(s.defaultValue())).isEqualTo(s.defaultValue());
                assertThatThrownBy(() -> s.check(s.min().minusMillis(1))).as(s.name() + " min-1ms")
                        .isInstanceOf(InvalidSettingException.class).hasMessageContaining(s.name());
                assertThatThrownBy(() -> s.check(s.max().plusMillis(1))).as(s.name() + " max+1ms")
                        .isInstanceOf(InvalidSettingException.class).hasMessageContaining(s.name());
            }
        }
    }

    /**
     * Whole milliseconds and above keep the unit the README table is generated with; anything finer is written
     * exactly, so a sub-millisecond value never reads as 0 or as a neighbouring millisecond.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            PT0S                          | 0 s
            PT0.25S                       | 250 ms
            PT1.5S                        | 1500 ms
            PT-0.001S                     | -1 ms
            PT300.001S                    | 300001 ms
            PT1S                          | 1 s
            PT90S                         | 90 s
            PT5M                          | 5 min
            PT90M                         | 90 min
            PT1H                          | 1 h
            PT720H                        | 720 h
            PT-2H                         | -2 h
            PT0.000000001S                | 1 ns
            PT-0.000000001S               | -1 ns
            PT0.000000999S                | 999 ns
            PT0.000001S                   | 1 µs
            PT0.0000015S                  | 1.5 µs
            PT0.0005S                     | 500 µs
            PT0.000999999S                | 999.999 µs
            PT0.0010005S                  | 1.0005 ms
            PT0.001000001S                | 1.000001 ms
            PT-0.001000001S               | -1.000001 ms
            PT1.0000001S                  | 1000.0001 ms
            PT1H0.000000001S              | 3600000.000001 ms
            PT2562047788015215H30M7S      | 9223372036854775807 s
            PT2562047788015215H30M7.999999999S | 9223372036854775807999.999999 ms
            PT-2562047788015215H-30M-8S   | -9223372036854775808 s
            """)
    void durationsAreWrittenExactlyInTheUnitAReaderExpects(Duration duration, String words) {
        assertThat(Setting.words(duration)).isEqualTo(words);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 60, 61, 3_600, 604_800})
    void maximumRecordAgeAcceptsMinusOneAndSixtyToOneWeek(int seconds) {
        assertThat(valid().maximumRecordAgeInSeconds(seconds).build().maximumRecordAgeInSeconds()).isEqualTo(seconds);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 1, 10_000})
    void maximumRetryAttemptsAcceptsMinusOneAndZeroToTenThousand(int retries) {
        assertThat(valid().maximumRetryAttempts(retries).build().maximumRetryAttempts()).isEqualTo(retries);
    }

    @Test
    void rangeEdgesAreAccepted() {
        assertThatCode(() -> valid().batchSize(1).build()).doesNotThrowAnyException();
        assertThatCode(() -> valid().batchSize(10_000).build()).doesNotThrowAnyException();
        assertThatCode(() -> valid().parallelizationFactor(1).build()).doesNotThrowAnyException();
        assertThatCode(() -> valid().parallelizationFactor(10).build()).doesNotThrowAnyException();
        assertThatCode(() -> valid().maximumBatchingWindowInSeconds(0).build()).doesNotThrowAnyException();
        assertThatCode(() -> valid().maximumBatchingWindowInSeconds(300).build()).doesNotThrowAnyException();
        assertThatCode(() -> valid().maximumBatchingWindow(Duration.ofMillis(500)).build())
                .doesNotThrowAnyException();
        assertThatCode(() -> valid().retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(2)).build())
                .doesNotThrowAnyException();
        assertThatCode(() -> valid().maxBufferedMegabytesPerShard(6).build()).doesNotThrowAnyException();
        assertThatCode(() -> StreamSettings.builder().startingPosition(StartingPosition.LATEST).build())
                .doesNotThrowAnyException();
        assertThat(StreamSettings.builder().startingPositionAtTimestamp(NOW).build())
                .satisfies(s -> {
                    assertThat(s.startingPosition()).isEqualTo(StartingPosition.AT_TIMESTAMP);
                    assertThat(s.startingPositionTimestamp()).isEqualTo(NOW);
                });
    }

    @Test
    void defaultsAreLambdas() {
        StreamSettings settings = valid().build();

        assertThat(settings.batchSize()).isEqualTo(100);
        assertThat(settings.maximumBatchingWindow()).isEqualTo(Duration.ZERO);
        assertThat(settings.parallelizationFactor()).isEqualTo(1);
        assertThat(settings.bisectBatchOnFunctionError()).isFalse();
        assertThat(settings.maximumRecordAgeInSeconds()).isEqualTo(-1);
        assertThat(settings.recordAgeUnlimited()).isTrue();
        assertThat(settings.maximumRetryAttempts()).isEqualTo(-1);
        assertThat(settings.retriesUnlimited()).isTrue();
        assertThat(settings.reportBatchItemFailures()).isFalse();
        assertThat(settings.startingPositionTimestamp()).isNull();
        assertThat(settings.handlerThreads()).isEqualTo(HandlerThreads.VIRTUAL);
        assertThat(settings.functionArnFor("orders")).isEqualTo("arn:aws:lambda:local:000000000000:function:orders");
        assertThat(valid().functionArn("arn:aws:lambda:us-east-1:1:function:f").build().functionArnFor("orders"))
                .isEqualTo("arn:aws:lambda:us-east-1:1:function:f");
    }

    @Test
    void settingDefinitionsMatchLambdasRanges() {
        assertThat(StreamSettings.BATCH_SIZE).extracting("min", "max", "defaultValue").containsExactly(1, 10_000, 100);
        assertThat(StreamSettings.PARALLELIZATION_FACTOR).extracting("min", "max", "defaultValue")
                .containsExactly(1, 10, 1);
        assertThat(StreamSettings.MAXIMUM_RECORD_AGE).extracting("min", "max", "unlimited", "defaultValue")
                .containsExactly(60, 604_800, -1, -1);
        assertThat(StreamSettings.MAXIMUM_RETRY_ATTEMPTS).extracting("min", "max", "unlimited", "defaultValue")
                .containsExactly(0, 10_000, -1, -1);
        assertThat(StreamSettings.MAXIMUM_BATCHING_WINDOW).extracting("min", "max", "defaultValue")
                .containsExactly(Duration.ZERO, Duration.ofSeconds(300), Duration.ZERO);
        // Not Lambda's for streams: unset (no mapping-wide cap) by default, as a Lambda stream mapping has none.
        assertThat(StreamSettings.MAXIMUM_CONCURRENCY).extracting("min", "max", "unlimited", "defaultValue")
                .containsExactly(1, 1_000, -1, -1);
        assertThat(valid().build().concurrencyCapped()).isFalse();
        assertThat(valid().maximumConcurrency(60).build().concurrencyCapped()).isTrue();
    }

    // --- EventSourceMapping.builder validation -------------------------------------------------------------------

    private static EventSourceMapping.Builder<byte[]> mapping(String name) {
        return EventSourceMapping.builder(name, InMemoryStream.create("s", 1), batch -> BatchResult.success());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "a/b", "a:b", "ümlaut", "tab\t"})
    void mappingBuilderRejectsABadName(String name) {
        assertThatThrownBy(() -> mapping(name).settings(valid().build()).build())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.parameter()).isEqualTo("name"))
                .hasMessageContaining("1–128");
    }

    @Test
    void mappingBuilderRejectsANullOrTooLongName() {
        assertThatThrownBy(() -> mapping(null).settings(valid().build()).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> mapping("a".repeat(129)).settings(valid().build()).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("name");
        assertThat(mapping("a".repeat(128)).settings(valid().build()).build().name()).hasSize(128);
        assertThat(mapping("Orders_v2.prod-1").settings(valid().build()).build().name())
                .isEqualTo("Orders_v2.prod-1");
    }

    @Test
    void mappingBuilderRequiresSettings() {
        assertThatThrownBy(() -> mapping("m").build())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.parameter()).isEqualTo("settings"));
    }

    @Test
    void mappingBuilderRejectsAnAtTimestampInTheFutureOfItsClock() {
        MutableClock clock = new MutableClock(NOW);

        assertThatThrownBy(() -> mapping("m").clock(clock)
                .settings(StreamSettings.builder().startingPositionAtTimestamp(NOW.plusSeconds(1)).build()).build())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.parameter()).isEqualTo("StartingPositionTimestamp"))
                .hasMessageContaining(NOW.plusSeconds(1).toString())
                .hasMessageContaining("not in the future");
        assertThatThrownBy(() -> mapping("m").clock(clock)
                .settings(StreamSettings.builder().startingPositionAtTimestamp(NOW.plusMillis(1)).build()).build())
                .isInstanceOf(InvalidSettingException.class);
        assertThatCode(() -> mapping("m").clock(clock)
                .settings(StreamSettings.builder().startingPositionAtTimestamp(NOW).build()).build())
                .doesNotThrowAnyException();
        assertThatCode(() -> mapping("m").clock(clock)
                .settings(StreamSettings.builder().startingPositionAtTimestamp(NOW.minusSeconds(3600)).build())
                .build())
                .doesNotThrowAnyException();
    }
}
