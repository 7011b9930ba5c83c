package io.esm4j.redis;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import java.time.Duration;
import java.util.List;

/**
 * Where and how long {@link RedisIdempotencyStore} keeps idempotency keys. Built with {@link #builder()}; every
 * instance is valid (out-of-range values are an {@link InvalidSettingException} naming the setting).
 *
 * @param keyPrefix    put before every idempotency key to make the Redis key
 * @param cleanupDelay how long after an entry's expiry Redis deletes it
 */
public record RedisIdempotencyStoreSettings(String keyPrefix, Duration cleanupDelay) {

    public static final Setting KEY_PREFIX = new Setting.Described("KeyPrefix", KeyPrefix.RANGE,
            "esm4j:idempotency:", "Put before each idempotency key (namespace:key) to make its Redis key, so "
                    + "that the store's keys keep apart from other data in the same database. Mappings that share a "
                    + "store keep their keys apart by their namespaces (each its name, unless "
                    + "Idempotency.withNamespace gives several one to share).");
    public static final DurationSetting CLEANUP_DELAY = new DurationSetting("CleanupDelay", Duration.ZERO,
            Duration.ofDays(1), Duration.ofMinutes(5), "How long after an entry's expiry Redis deletes it (a relative "
            + "PEXPIRE). Cleanup only: the store compares expiries itself. The delay keeps an entry until consumers "
            + "whose clocks run behind this one's also see it expired; make it larger than the clock skew.");

    /** Every setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(KEY_PREFIX, CLEANUP_DELAY);

    public RedisIdempotencyStoreSettings {
        KeyPrefix.check(KEY_PREFIX.name(), keyPrefix);
        CLEANUP_DELAY.check(cleanupDelay);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static RedisIdempotencyStoreSettings defaults() {
        return builder().build();
    }

    public static final class Builder {
        private String keyPrefix = KEY_PREFIX.defaultText();
        private Duration cleanupDelay = CLEANUP_DELAY.defaultValue();

        private Builder() {}

        public Builder keyPrefix(String value) {
            this.keyPrefix = value;
            return this;
        }

        public Builder cleanupDelay(Duration value) {
            this.cleanupDelay = value;
            return this;
        }

        public RedisIdempotencyStoreSettings build() {
            return new RedisIdempotencyStoreSettings(keyPrefix, cleanupDelay);
        }
    }
}
