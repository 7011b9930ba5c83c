package io.esm4j.dynamodb;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import java.time.Duration;
import java.util.List;

/**
 * Where {@link DynamoDbIdempotencyStore} keeps idempotency keys. Built with {@link #builder()}; every instance is
 * valid (out-of-range values are an {@link InvalidSettingException} naming the setting).
 *
 * @param tableName            the table: partition key {@code id} (S)
 * @param createTableIfMissing create it on first use (on-demand, TTL on {@code timeToLiveAttribute}) when missing
 * @param tableActiveTimeout   how long the first call waits for a table being created to become ACTIVE
 * @param timeToLiveAttribute  the attribute holding each item's expiry in epoch seconds, for DynamoDB's TTL
 */
public record DynamoDbIdempotencyStoreSettings(String tableName, boolean createTableIfMissing,
                                               Duration tableActiveTimeout, String timeToLiveAttribute) {

    public static final Setting TABLE_NAME = new Setting.Described("TableName", TableNames.RANGE,
            "esm4j-idempotency", "The idempotency table: partition key id (S). Mappings can share one: each "
                    + "keeps its keys in its own namespace, its name, unless Idempotency.withNamespace gives "
                    + "several one to share.");
    public static final Setting CREATE_TABLE_IF_MISSING = new Setting.Described("CreateTableIfMissing",
            "true, false", "true", "Create the table on first use, on-demand (PAY_PER_REQUEST), with TTL on "
                    + "TimeToLiveAttribute, and wait until it is ACTIVE. With false a missing table is an error.");
    public static final DurationSetting TABLE_ACTIVE_TIMEOUT = new DurationSetting("TableActiveTimeout",
            Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ofMinutes(5),
            "How long the first call waits for a table that is being created to become ACTIVE.");
    public static final Setting TIME_TO_LIVE_ATTRIBUTE = new Setting.Described("TimeToLiveAttribute",
            "1–255 characters", "ttl", "Each item's expiry in epoch seconds (rounded up), for DynamoDB's TTL to "
                    + "delete expired items. Cleanup only: the store compares expiries itself.");

    /** Every setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(TABLE_NAME, CREATE_TABLE_IF_MISSING, TABLE_ACTIVE_TIMEOUT,
            TIME_TO_LIVE_ATTRIBUTE);

    public DynamoDbIdempotencyStoreSettings {
        TableNames.check(TABLE_NAME.name(), tableName);
        TABLE_ACTIVE_TIMEOUT.check(tableActiveTimeout);
        if (timeToLiveAttribute == null || timeToLiveAttribute.isEmpty() || timeToLiveAttribute.length() > 255
                || IdempotencyItems.ATTRIBUTES.contains(timeToLiveAttribute)) {
            throw new InvalidSettingException(TIME_TO_LIVE_ATTRIBUTE.name(),
                    timeToLiveAttribute == null ? "null" : "'" + timeToLiveAttribute + "'",
                    "an attribute name of 1–255 characters other than " + IdempotencyItems.ATTRIBUTES);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static DynamoDbIdempotencyStoreSettings defaults() {
        return builder().build();
    }

    public static final class Builder {
        private String tableName = TABLE_NAME.defaultText();
        private boolean createTableIfMissing = true;
        private Duration tableActiveTimeout = TABLE_ACTIVE_TIMEOUT.defaultValue();
        private String timeToLiveAttribute = TIME_TO_LIVE_ATTRIBUTE.defaultText();

        private Builder() {}

        public Builder tableName(String value) {
            this.tableName = value;
            return this;
        }

        public Builder createTableIfMissing(boolean value) {
            this.createTableIfMissing = value;
            return this;
        }

        public Builder tableActiveTimeout(Duration value) {
            this.tableActiveTimeout = value;
            return this;
        }

        public Builder timeToLiveAttribute(String value) {
            this.timeToLiveAttribute = value;
            return this;
        }

        public DynamoDbIdempotencyStoreSettings build() {
            return new DynamoDbIdempotencyStoreSettings(tableName, createTableIfMissing, tableActiveTimeout,
                    timeToLiveAttribute);
        }
    }
}
