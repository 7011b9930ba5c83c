package io.esm4j.failure;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The source-specific part of a failure record: which records were given up. Stream sources use
 * {@link StreamBatchInfo} ({@code KinesisBatchInfo}, {@code DDBStreamBatchInfo}); a Kafka source writes
 * {@code KafkaBatchInfo} with its own fields.
 */
public interface BatchInfo {

    /** The key under which the failure record holds this object, e.g. {@code KinesisBatchInfo}. */
    String jsonKey();

    /**
     * The object's fields in the order the failure record writes them. Values are strings, numbers, booleans,
     * null, or maps of the same.
     */
    Map<String, @Nullable Object> jsonFields();
}
