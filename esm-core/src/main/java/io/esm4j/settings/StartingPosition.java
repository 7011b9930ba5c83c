package io.esm4j.settings;

/** Where a mapping starts reading a shard that has no checkpoint yet. */
public enum StartingPosition {
    TRIM_HORIZON,
    LATEST,
    /** Requires {@code StartingPositionTimestamp}. */
    AT_TIMESTAMP
}
