package io.esm4j.internal;

import io.esm4j.settings.StreamSettings;

/**
 * Lambda's 6 MB invocation payload limit ({@link StreamSettings#MAX_PAYLOAD_BYTES}), as both engines apply it when
 * they form a batch.
 */
public final class PayloadCap {

    private PayloadCap() {}

    /**
     * True if a record of {@code recordBytes} may join a batch that holds {@code batchBytes} in {@code batchSize}
     * records. A record bigger than the cap on its own still goes, alone: it cannot be split.
     */
    public static boolean admits(long batchBytes, int batchSize, int recordBytes) {
        return batchSize == 0 || batchBytes + recordBytes <= StreamSettings.MAX_PAYLOAD_BYTES;
    }

    /** True once a batch holds the cap's worth: no record may join it. */
    public static boolean full(long batchBytes) {
        return batchBytes >= StreamSettings.MAX_PAYLOAD_BYTES;
    }
}
