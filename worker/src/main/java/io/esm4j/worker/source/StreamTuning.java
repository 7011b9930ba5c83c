package io.esm4j.worker.source;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The esm4j stream settings a worker sets for every stream mapping it runs (command-line options such as
 * {@code --failover-time}), on top of what each mapping's Lambda fields set. A null value keeps esm-core's default.
 * Names, ranges and defaults are {@link StreamSettings}'s: {@link #with} checks a value through the setting itself.
 */
public record StreamTuning(@Nullable Duration failoverTime, @Nullable Duration idlePollInterval,
                           @Nullable Duration shardSyncInterval, @Nullable Duration checkpointInterval) {

    /** An option of the command line and the setting it sets. */
    public record Option(String flag, DurationSetting setting) {}

    public static final Option FAILOVER_TIME = new Option("--failover-time", StreamSettings.FAILOVER_TIME);
    public static final Option IDLE_POLL_INTERVAL = new Option("--idle-poll-interval",
            StreamSettings.IDLE_POLL_INTERVAL);
    public static final Option SHARD_SYNC_INTERVAL = new Option("--shard-sync-interval",
            StreamSettings.SHARD_SYNC_INTERVAL);
    public static final Option CHECKPOINT_INTERVAL = new Option("--checkpoint-interval",
            StreamSettings.CHECKPOINT_INTERVAL);
    public static final List<Option> OPTIONS = List.of(FAILOVER_TIME, IDLE_POLL_INTERVAL, SHARD_SYNC_INTERVAL,
            CHECKPOINT_INTERVAL);

    // A whole number and a unit, as the settings' ranges are written (250ms, 10s, 5min, 1h).
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|min|h)");

    public StreamTuning {
        check(StreamSettings.FAILOVER_TIME, failoverTime);
        check(StreamSettings.IDLE_POLL_INTERVAL, idlePollInterval);
        check(StreamSettings.SHARD_SYNC_INTERVAL, shardSyncInterval);
        check(StreamSettings.CHECKPOINT_INTERVAL, checkpointInterval);
    }

    public static StreamTuning none() {
        return new StreamTuning(null, null, null, null);
    }

    public static @Nullable Option option(String flag) {
        return OPTIONS.stream().filter(o -> o.flag().equals(flag)).findFirst().orElse(null);
    }

    /**
     * These settings with the option's value, checked through its setting: an error names the option, the value and
     * the setting's range.
     */
    public StreamTuning with(Option option, String value) {
        DurationSetting setting = option.setting();
        // As the setting's own error words it, so that the option and the library say the same.
        String range = Setting.words(setting.min()) + " to " + Setting.words(setting.max()) + " (" + setting.name()
                + ").";
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("Invalid value for " + option.flag() + ": " + value + ". Expected a "
                    + "duration with its unit (ms, s, min or h, e.g. 500ms or 3s) from " + range);
        }
        long amount = Long.parseLong(m.group(1));
        Duration duration = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "min" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        try {
            setting.check(duration);
        } catch (InvalidSettingException e) {
            throw new IllegalArgumentException("Invalid value for " + option.flag() + ": " + value + ". Expected a "
                    + "duration from " + range, e);
        }
        return switch (setting.name()) {
            case "FailoverTime" -> new StreamTuning(duration, idlePollInterval, shardSyncInterval, checkpointInterval);
            case "IdlePollInterval" -> new StreamTuning(failoverTime, duration, shardSyncInterval, checkpointInterval);
            case "ShardSyncInterval" -> new StreamTuning(failoverTime, idlePollInterval, duration, checkpointInterval);
            default -> new StreamTuning(failoverTime, idlePollInterval, shardSyncInterval, duration);
        };
    }

    /** The builder with the values set here; the others as they were. */
    public StreamSettings.Builder applyTo(StreamSettings.Builder builder) {
        if (failoverTime != null) {
            builder.failoverTime(failoverTime);
        }
        if (idlePollInterval != null) {
            builder.idlePollInterval(idlePollInterval);
        }
        if (shardSyncInterval != null) {
            builder.shardSyncInterval(shardSyncInterval);
        }
        if (checkpointInterval != null) {
            builder.checkpointInterval(checkpointInterval);
        }
        return builder;
    }

    /** The settings with the values set here. */
    public StreamSettings applyTo(StreamSettings settings) {
        return applyTo(settings.toBuilder()).build();
    }

    private static void check(DurationSetting setting, @Nullable Duration value) {
        if (value != null) {
            setting.check(value);
        }
    }
}
