package io.esm4j.dynamodbstreams;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.Setting.IntSetting;
import io.esm4j.settings.Setting;
import java.time.Duration;
import java.util.List;

/**
 * What the DynamoDB Streams source adds to a stream mapping's {@link io.esm4j.settings.StreamSettings}: how it spends
 * a shard's read budget. Built with {@link #builder()}; every instance is valid (the constructor rejects out-of-range
 * values with an {@link InvalidSettingException} naming the setting, the value and the range).
 *
 * @param getRecordsPerSecondPerShard GetRecords calls per second per shard at most
 * @param throttleBackoffInitial      first wait after LimitExceededException or a throttling error
 * @param throttleBackoffMax          longest wait between throttled calls
 */
public record DynamoDbSourceSettings(
        int getRecordsPerSecondPerShard,
        Duration throttleBackoffInitial,
        Duration throttleBackoffMax) {

    public static final IntSetting GET_RECORDS_PER_SECOND = new IntSetting("GetRecordsPerSecondPerShard", 1, 10, null,
            4, "esm4j: GetRecords calls per second on one shard; Lambda reads each shard 4 times a second. "
                    + "DynamoDB Streams publishes no per-shard figure and allows at most 2 readers per shard.");
    public static final DurationSetting THROTTLE_BACKOFF_INITIAL = new DurationSetting("ThrottleBackoffInitial",
            Duration.ofMillis(1), Duration.ofMinutes(1), Duration.ofMillis(500),
            "esm4j: wait after a LimitExceededException or throttling error before calling again; doubles per "
                    + "throttled call in a row with ±50% jitter.");
    public static final DurationSetting THROTTLE_BACKOFF_MAX = new DurationSetting("ThrottleBackoffMax",
            Duration.ofMillis(1), Duration.ofMinutes(5), Duration.ofSeconds(10),
            "esm4j: the longest wait between throttled calls; at least ThrottleBackoffInitial.");

    /** Every DynamoDB Streams source setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(GET_RECORDS_PER_SECOND, THROTTLE_BACKOFF_INITIAL,
            THROTTLE_BACKOFF_MAX);

    /** The checks live here, not in the builder: the canonical constructor of a public record is public. */
    public DynamoDbSourceSettings {
        GET_RECORDS_PER_SECOND.check(getRecordsPerSecondPerShard);
        THROTTLE_BACKOFF_INITIAL.check(throttleBackoffInitial);
        THROTTLE_BACKOFF_MAX.check(throttleBackoffMax);
        if (throttleBackoffMax.compareTo(throttleBackoffInitial) < 0) {
            throw new InvalidSettingException(THROTTLE_BACKOFF_MAX.name(), Setting.words(throttleBackoffMax),
                    "at least ThrottleBackoffInitial (" + Setting.words(throttleBackoffInitial) + ")");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static DynamoDbSourceSettings defaults() {
        return builder().build();
    }

    public static final class Builder {
        private int getRecordsPerSecondPerShard = GET_RECORDS_PER_SECOND.defaultValue();
        private Duration throttleBackoffInitial = THROTTLE_BACKOFF_INITIAL.defaultValue();
        private Duration throttleBackoffMax = THROTTLE_BACKOFF_MAX.defaultValue();

        private Builder() {}

        public Builder getRecordsPerSecondPerShard(int value) {
            this.getRecordsPerSecondPerShard = value;
            return this;
        }

        public Builder throttleBackoff(Duration initial, Duration max) {
            this.throttleBackoffInitial = initial;
            this.throttleBackoffMax = max;
            return this;
        }

        /** Validates every value, in the constructor; the first one out of range is reported. */
        public DynamoDbSourceSettings build() {
            return new DynamoDbSourceSettings(getRecordsPerSecondPerShard, throttleBackoffInitial,
                    throttleBackoffMax);
        }
    }
}
