package io.esm4j.idempotency;

import java.text.NumberFormat;
import java.util.Locale;

/**
 * The in-memory store has no room for a new key because every entry is a live INPROGRESS claim, which is never
 * evicted (that would let a second consumer process a record still in flight).
 */
public final class IdempotencyStoreFullException extends IllegalStateException {

    private final int maxEntries;

    public IdempotencyStoreFullException(int maxEntries) {
        super("InMemoryIdempotencyStore is full: all " + NumberFormat.getIntegerInstance(Locale.ROOT).format(maxEntries)
                + " entries (" + IdempotencySettings.MAX_ENTRIES.name() + ") are live INPROGRESS claims, which are "
                + "never evicted. Expected " + IdempotencySettings.MAX_ENTRIES.name()
                + " above the number of records in flight at once; raise it, or lower "
                + IdempotencySettings.IN_PROGRESS_EXPIRY.name() + " so that abandoned claims lapse sooner.");
        this.maxEntries = maxEntries;
    }

    public int maxEntries() {
        return maxEntries;
    }
}
