package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.settings.StreamSettings;
import io.esm4j.worker.source.StreamTuning;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worker-wide stream settings of the command line: parsed, and checked by esm-core's setting definitions. */
class StreamOptionsTest {

    private static WorkerOptions parse(String... args) {
        return Main.Arguments.parse(args).options;
    }

    @Test
    void eachOptionSetsItsSettingAndTheOthersKeepEsmCoresDefaults() {
        assertThat(parse().streamTuning()).isEqualTo(StreamTuning.none());
        assertThat(parse("--failover-time", "3s", "--idle-poll-interval", "1s", "--shard-sync-interval", "2min",
                "--checkpoint-interval", "500ms").streamTuning())
                .isEqualTo(new StreamTuning(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofMinutes(2),
                        Duration.ofMillis(500)));
    }

    @Test
    void aValueOutOfItsSettingsRangeNamesTheOptionTheValueAndTheRange() {
        assertThatThrownBy(() -> parse("--failover-time", "100ms"))
                .hasMessage("Invalid value for --failover-time: 100ms. Expected a duration from 300 ms to 10 min "
                        + "(FailoverTime).");
        assertThatThrownBy(() -> parse("--idle-poll-interval", "11s"))
                .hasMessage("Invalid value for --idle-poll-interval: 11s. Expected a duration from 0 s to 10 s "
                        + "(IdlePollInterval).");
        assertThatThrownBy(() -> parse("--shard-sync-interval", "2h"))
                .hasMessage("Invalid value for --shard-sync-interval: 2h. Expected a duration from 100 ms to 1 h "
                        + "(ShardSyncInterval).");
        assertThatThrownBy(() -> parse("--checkpoint-interval", "6min"))
                .hasMessage("Invalid value for --checkpoint-interval: 6min. Expected a duration from 0 s to 5 min "
                        + "(CheckpointInterval).");
        assertThat(parse("--idle-poll-interval", "0s", "--checkpoint-interval", "0ms").streamTuning())
                .isEqualTo(new StreamTuning(null, Duration.ZERO, null, Duration.ZERO));
        assertThat(parse("--failover-time", "300ms", "--shard-sync-interval", "1h").streamTuning())
                .as("both ends of a range are allowed")
                .isEqualTo(new StreamTuning(Duration.ofMillis(300), null, Duration.ofHours(1), null));
    }

    @Test
    void aValueThatIsNoDurationNamesTheOptionTheValueTheFormAndTheRange() {
        for (String value : new String[] {"10", "3 s", "-1s", "1.5s", "3S", "", "10sec"}) {
            assertThatThrownBy(() -> parse("--failover-time", value)).as(value)
                    .hasMessage("Invalid value for --failover-time: " + value + ". Expected a duration with its unit "
                            + "(ms, s, min or h, e.g. 500ms or 3s) from 300 ms to 10 min (FailoverTime).");
        }
    }

    @Test
    void anOptionGivenTwiceIsRefused() {
        assertThatThrownBy(() -> parse("--failover-time", "3s", "--failover-time", "4s"))
                .hasMessage("Invalid options: --failover-time given twice. Expected it once.");
    }

    /** The ranges are StreamSettings', not a copy: the usage text shows each setting's own range and default. */
    @Test
    void theUsageTextShowsTheSettingsRangesAndDefaults() {
        assertThat(Main.Arguments.USAGE)
                .contains("--failover-time DUR    FailoverTime of stream leases, 300 ms to 10 min (default "
                        + StreamSettings.FAILOVER_TIME.defaultText() + ")")
                .contains("0 to 10 s (default 250 ms)")
                .contains("100 ms to 1 h (default 30 s)")
                .contains("0 to 5 min (default 1 s)");
    }
}
