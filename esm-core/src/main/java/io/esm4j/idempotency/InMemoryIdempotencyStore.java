package io.esm4j.idempotency;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in the JVM's heap: for tests, local runs and single-process mappings. It forgets
 * everything on restart; consumers in several processes need a shared store (DynamoDB).
 *
 * <p>Bounded by {@code maxEntries}. When a new key finds it full, it evicts expired claims first, then COMPLETED
 * entries oldest-completed first (with one TTL per store, that also evicts expired COMPLETED entries first). It
 * never evicts a live INPROGRESS claim; when nothing else is left, {@link #acquire} throws
 * {@link IdempotencyStoreFullException}. Evicting a live COMPLETED entry only shortens its TTL: a late redelivery of
 * that record would be processed again (at-least-once).
 *
 * <p>Hot path: one {@link ConcurrentHashMap#compute} per operation, no global lock. Eviction order comes from two
 * lock-free FIFO queues (claims in acquire order, completions in completion order) instead of scanning the map. A
 * lock is taken only to evict when full, and then frees 1/64 of the bound at once so that the next inserts don't
 * take it again; and to drop queue nodes of entries that were replaced or removed since, once a queue holds twice
 * the bound.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private static final int EVICTION_BATCH_DIVISOR = 64;

    private final int maxEntries;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries;
    /** Mappings in {@link #entries}: a slot is reserved inside compute before a new key becomes visible. */
    private final AtomicInteger size = new AtomicInteger();
    private final AgeQueue claims = new AgeQueue();
    private final AgeQueue completions = new AgeQueue();
    /** Serializes eviction and queue compaction, the only code that polls or unlinks queue nodes. */
    private final ReentrantLock maintenance = new ReentrantLock();

    /**
     * @param maxEntries the bound, within {@link IdempotencySettings#MAX_ENTRIES}
     * @param clock      decides when entries expire
     */
    public InMemoryIdempotencyStore(int maxEntries, Clock clock) {
        this.maxEntries = IdempotencySettings.MAX_ENTRIES.check(maxEntries);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.entries = new ConcurrentHashMap<>(Math.min(maxEntries, 1 << 16));
    }

    /** The bound, for the deduplicator's check against {@link IdempotencySettings#maxEntries()}. */
    int maxEntries() {
        return maxEntries;
    }

    @Override
    public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(inProgressExpiry, "inProgressExpiry");
        Entry claim = new Entry(key, false, payloadHash, owner, inProgressExpiry);
        while (true) {
            Instant now = clock.instant();
            Entry current = entries.compute(key, (k, existing) -> {
                if (existing != null && existing.liveAt(now)) {
                    return existing;
                }
                // An expired entry is replaced in place; only a new key needs a slot.
                return existing != null || reserveSlot() ? claim : null;
            });
            if (current == claim) {
                claims.add(claim);
                return AcquireResult.Acquired.INSTANCE;
            }
            if (current != null && !current.completed && owner.equals(current.owner)) {
                return AcquireResult.Acquired.INSTANCE;
            }
            if (current != null) {
                return current.completed
                        ? new AcquireResult.AlreadyCompleted(current.payloadHash, current.expiry)
                        : new AcquireResult.InProgressElsewhere(current.expiry, current.payloadHash);
            }
            makeRoom(now);
        }
    }

    @Override
    public void complete(String key, @Nullable String payloadHash, Instant ttlExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ttlExpiry, "ttlExpiry");
        Entry done = new Entry(key, true, payloadHash, null, ttlExpiry);
        while (true) {
            Entry current = entries.compute(key, (k, existing) -> existing != null || reserveSlot() ? done : null);
            if (current == done) {
                completions.add(done);
                return;
            }
            makeRoom(clock.instant());
        }
    }

    @Override
    public boolean extend(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(inProgressExpiry, "inProgressExpiry");
        Instant now = clock.instant();
        Entry extended = new Entry(key, false, payloadHash, owner, inProgressExpiry);
        Entry current = entries.computeIfPresent(key, (k, existing) ->
                !existing.completed && owner.equals(existing.owner) && existing.liveAt(now) ? extended : existing);
        if (current != extended) {
            return false;
        }
        // Eviction finds expired claims from the queue's head in acquire order; the new node keeps the slow scan for
        // the rare claim whose extended expiry is out of that order.
        claims.add(extended);
        return true;
    }

    @Override
    public boolean release(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        boolean[] released = {false};
        entries.computeIfPresent(key, (k, existing) -> {
            if (!existing.completed && owner.equals(existing.owner)) {
                size.decrementAndGet();
                released[0] = true;
                return null;
            }
            return existing;
        });
        return released[0];
    }

    /** Entries held, expired ones included until they are evicted or replaced. */
    public int size() {
        return size.get();
    }

    /** Queue nodes held for eviction order, live and stale; lets tests check that they stay bounded. */
    int trackedNodes() {
        return claims.length.get() + completions.length.get();
    }

    private boolean reserveSlot() {
        return size.getAndUpdate(n -> n < maxEntries ? n + 1 : n) < maxEntries;
    }

    private void makeRoom(Instant now) {
        maintenance.lock();
        try {
            if (size.get() < maxEntries) {
                return;
            }
            int wanted = Math.max(1, maxEntries / EVICTION_BATCH_DIVISOR);
            int freed = claims.evictExpiredAtHead(now);
            freed += completions.evictOldest(now, Math.max(0, wanted - freed));
            if (freed == 0) {
                freed = evictByScan(now);
            }
            if (freed == 0 && size.get() >= maxEntries) {
                throw new IdempotencyStoreFullException(maxEntries);
            }
        } finally {
            maintenance.unlock();
        }
    }

    /**
     * The slow path, when the queue heads offered nothing: claim expiries need not follow acquire order (mixed
     * InProgressExpiry), and a completion may be in the map a moment before it is queued. Evicts every expired entry,
     * or else one COMPLETED entry.
     */
    private int evictByScan(Instant now) {
        int freed = 0;
        Entry anyCompleted = null;
        for (Entry entry : entries.values()) {
            if (!entry.liveAt(now)) {
                freed += removeIfCurrent(entry) ? 1 : 0;
            } else if (entry.completed && anyCompleted == null) {
                anyCompleted = entry;
            }
        }
        if (freed == 0 && anyCompleted != null && removeIfCurrent(anyCompleted)) {
            freed = 1;
        }
        return freed;
    }

    private boolean isCurrent(Entry entry) {
        return entries.get(entry.key) == entry;
    }

    private boolean removeIfCurrent(Entry entry) {
        if (entries.remove(entry.key, entry)) {
            size.decrementAndGet();
            return true;
        }
        return false;
    }

    /**
     * One key's state. Deliberately not a record: the map and the queues compare entries by identity, so that a
     * queue node of a replaced entry never matches its successor.
     */
    private static final class Entry {
        final String key;
        final boolean completed;
        final @Nullable String payloadHash;
        final @Nullable String owner;
        final Instant expiry;

        Entry(String key, boolean completed, @Nullable String payloadHash, @Nullable String owner, Instant expiry) {
            this.key = key;
            this.completed = completed;
            this.payloadHash = payloadHash;
            this.owner = owner;
            this.expiry = expiry;
        }

        boolean liveAt(Instant now) {
            return now.isBefore(expiry);
        }
    }

    /**
     * Entries in the order they reached one state. A node goes stale when its entry is replaced or removed; stale
     * nodes are dropped when they reach the head, or all at once when the queue grows past twice the bound.
     */
    private final class AgeQueue {
        private final ConcurrentLinkedQueue<Entry> nodes = new ConcurrentLinkedQueue<>();
        private final AtomicInteger length = new AtomicInteger();

        void add(Entry entry) {
            nodes.add(entry);
            if (length.incrementAndGet() > 2 * maxEntries && maintenance.tryLock()) {
                try {
                    dropStale();
                } finally {
                    maintenance.unlock();
                }
            }
        }

        /** Evicts expired entries from the head, up to the first live one. */
        int evictExpiredAtHead(Instant now) {
            int freed = 0;
            for (Entry head; (head = nodes.peek()) != null; ) {
                if (isCurrent(head) && head.liveAt(now)) {
                    break;
                }
                poll();
                if (removeIfCurrent(head)) {
                    freed++;
                }
            }
            return freed;
        }

        /** Evicts from the head every expired entry, then live ones until {@code wanted} were freed in all. */
        int evictOldest(Instant now, int wanted) {
            int freed = 0;
            for (Entry head; (head = nodes.peek()) != null; ) {
                if (isCurrent(head) && head.liveAt(now) && freed >= wanted) {
                    break;
                }
                poll();
                if (removeIfCurrent(head)) {
                    freed++;
                }
            }
            return freed;
        }

        private void dropStale() {
            for (Iterator<Entry> it = nodes.iterator(); it.hasNext(); ) {
                if (!isCurrent(it.next())) {
                    it.remove();
                    length.decrementAndGet();
                }
            }
        }

        private void poll() {
            nodes.poll();
            length.decrementAndGet();
        }
    }
}
