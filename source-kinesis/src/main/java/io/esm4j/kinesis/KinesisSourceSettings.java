package io.esm4j.kinesis;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.Setting.IntSetting;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the Kinesis source adds to a stream mapping's {@link io.esm4j.settings.StreamSettings}: how it spends the
 * shard's read budget and what it writes into the Lambda event. Built with {@link #builder()}. Every instance is
 * valid: the constructor, and so {@code build()}, rejects out-of-range values with an
 * {@link InvalidSettingException} naming the setting, the value and the range.
 *
 * @param getRecordsPerSecondPerShard GetRecords calls per second per shard at most
 * @param throttleBackoffInitial      first wait after ProvisionedThroughputExceededException
 * @param throttleBackoffMax          longest wait between throttled calls
 * @param invokeIdentityArn           the event's invokeIdentityArn, or null for the default derived from the stream
 */
public record KinesisSourceSettings(
        int getRecordsPerSecondPerShard,
        Duration throttleBackoffInitial,
        Duration throttleBackoffMax,
        @Nullable String invokeIdentityArn) {

    public static final IntSetting GET_RECORDS_PER_SECOND = new IntSetting("GetRecordsPerSecondPerShard", 1, 5, null,
            4, "esm4j: GetRecords calls per second on one shard. Kinesis allows 5 per shard, shared by every "
                    + "consumer of the stream; the default leaves one for others. Polling keeps pulling at this "
                    + "rate while behind and waits IdlePollInterval after an empty read at the tail. Not used with "
                    + "enhanced fan-out.");
    public static final DurationSetting THROTTLE_BACKOFF_INITIAL = new DurationSetting("ThrottleBackoffInitial",
            Duration.ofMillis(1), Duration.ofMinutes(1), Duration.ofMillis(500),
            "esm4j: wait after a ProvisionedThroughputExceededException before reading the shard again (with "
                    + "enhanced fan-out: after a SubscribeToShard refused with LimitExceededException or "
                    + "ResourceInUseException); doubles per throttled call in a row with ±50% jitter.");
    public static final DurationSetting THROTTLE_BACKOFF_MAX = new DurationSetting("ThrottleBackoffMax",
            Duration.ofMillis(1), Duration.ofMinutes(5), Duration.ofSeconds(10),
            "esm4j: the longest wait between throttled reads; at least ThrottleBackoffInitial.");
    public static final Setting INVOKE_IDENTITY_ARN = new Setting.Described("InvokeIdentityArn", "any string",
            "arn:{stream partition}:iam::{stream account}:role/esm4j",
            "esm4j: written as invokeIdentityArn in every event record (Lambda writes the function's role).");

    /** Every Kinesis source setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(GET_RECORDS_PER_SECOND, THROTTLE_BACKOFF_INITIAL,
            THROTTLE_BACKOFF_MAX, INVOKE_IDENTITY_ARN);

    /**
     * The checks live here rather than in the builder, because the canonical constructor of a public record is
     * public: no instance can skip them.
     */
    public KinesisSourceSettings {
        THROTTLE_BACKOFF_INITIAL.check(throttleBackoffInitial);
        THROTTLE_BACKOFF_MAX.check(throttleBackoffMax);
        if (throttleBackoffMax.compareTo(throttleBackoffInitial) < 0) {
            throw new InvalidSettingException(THROTTLE_BACKOFF_MAX.name(), Setting.words(throttleBackoffMax),
                    "at least ThrottleBackoffInitial (" + Setting.words(throttleBackoffInitial) + ")");
        }
        GET_RECORDS_PER_SECOND.check(getRecordsPerSecondPerShard);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static KinesisSourceSettings defaults() {
        return builder().build();
    }

    /**
     * The invokeIdentityArn for a stream in {@code account} of {@code partition} ({@code aws}, {@code aws-cn},
     * {@code aws-us-gov}): the setting, or the default role there. An IAM ARN names the partition, so a stream in
     * China gets {@code arn:aws-cn:iam::...}, as Lambda's role ARN there is.
     */
    String invokeIdentityArnFor(String partition, String account) {
        return invokeIdentityArn != null ? invokeIdentityArn
                : "arn:" + partition + ":iam::" + account + ":role/esm4j";
    }

    public static final class Builder {
        private int getRecordsPerSecondPerShard = GET_RECORDS_PER_SECOND.defaultValue();
        private Duration throttleBackoffInitial = THROTTLE_BACKOFF_INITIAL.defaultValue();
        private Duration throttleBackoffMax = THROTTLE_BACKOFF_MAX.defaultValue();
        private @Nullable String invokeIdentityArn;

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

        /** Null (the default) derives it from the stream's partition and account. */
        public Builder invokeIdentityArn(@Nullable String value) {
            this.invokeIdentityArn = value;
            return this;
        }

        /** Validates every value, in the constructor; the first one out of range is reported. */
        public KinesisSourceSettings build() {
            return new KinesisSourceSettings(getRecordsPerSecondPerShard, throttleBackoffInitial, throttleBackoffMax,
                    invokeIdentityArn);
        }
    }
}
