package io.esm4j.redis;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import java.util.List;

/**
 * Where {@link RedisLeaseStore} keeps leases. Built with {@link #builder()}; every instance is valid (out-of-range
 * values are an {@link InvalidSettingException} naming the setting).
 *
 * @param keyPrefix put before each mapping's name to make the Redis key of its leases
 */
public record RedisLeaseStoreSettings(String keyPrefix) {

    public static final Setting KEY_PREFIX = new Setting.Described("KeyPrefix", KeyPrefix.RANGE, "esm4j:leases:",
            "Put before each mapping's name to make the key of the hash that holds its leases. Mappings with the "
                    + "same name share leases (they are workers of one consumer); give applications that reuse "
                    + "mapping names prefixes of their own.");

    /** Every setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(KEY_PREFIX);

    public RedisLeaseStoreSettings {
        KeyPrefix.check(KEY_PREFIX.name(), keyPrefix);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static RedisLeaseStoreSettings defaults() {
        return builder().build();
    }

    public static final class Builder {
        private String keyPrefix = KEY_PREFIX.defaultText();

        private Builder() {}

        public Builder keyPrefix(String value) {
            this.keyPrefix = value;
            return this;
        }

        public RedisLeaseStoreSettings build() {
            return new RedisLeaseStoreSettings(keyPrefix);
        }
    }
}
