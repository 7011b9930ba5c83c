package io.esm4j.idempotency;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch after deduplication: which records go to the handler, which were skipped, and which must wait. Every
 * record of {@link #toProcess()} holds a claim on its key until it is reported {@link #completed} or {@link #failed};
 * a record never reported keeps its claim until the in-progress expiry.
 *
 * <p>Safe for concurrent use, e.g. when records of one batch finish on different threads.
 *
 * @param <R> the record type
 */
public final class Claim<R> {

    private static final Logger log = LoggerFactory.getLogger(Claim.class);
    /**
     * Store errors in a row after which a report stops: an unreachable store answers each call only at its timeout
     * (tens of seconds with the SDK's or Lettuce's defaults), and a stream batch holds up to 10,000 records. One error
     * alone (a throttled write, say) does not stop it.
     */
    private static final int ERRORS_IN_A_ROW = 2;
    /**
     * Store calls one {@link #extend} makes at a time. Enough to renew 10,000 claims at 5 ms a write in about 3 s,
     * well within the 20 s (a third of the shortest default lifetime) a pass has; few enough for the AWS SDK's default
     * pool of 50 connections, which the mapping's other calls share. Lettuce pipelines them on its one connection.
     */
    static final int EXTEND_CONCURRENCY = 16;

    /** The key a record holds and the payload hash stored with it. */
    record Held(String key, @Nullable String payloadHash) {}

    private final BatchDeduplicator<R> deduplicator;
    private final String owner;
    /** How long each claim lasts from its acquisition or its last extension. */
    private final Duration lifetime;
    private final List<R> toProcess;
    private final List<R> duplicates;
    private final List<R> inProgressElsewhere;
    private final List<R> rejected;
    /** Records of toProcess not yet reported, by identity: the engine reports the very objects it was given. */
    private final Map<R, Held> unreported;
    /**
     * The claims reported, which a renewal pass in flight skips. By value: no two claimed records share a key (a
     * later record with a claimed key is a duplicate).
     */
    private final Set<Held> reported = ConcurrentHashMap.newKeySet();
    /** {@link #duplicates}, by identity, and those {@link #skipped} reported: each is counted once. */
    private final Set<R> duplicateSet = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<R> skipped = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ReentrantLock skippedLock = new ReentrantLock();
    /** Guards {@link #unreported} (the engine's reports and a renewal pass read it from different threads). */
    private final ReentrantLock unreportedLock = new ReentrantLock();

    Claim(BatchDeduplicator<R> deduplicator, String owner, Duration lifetime, List<R> toProcess, List<R> duplicates,
            List<R> inProgressElsewhere, List<R> rejected, Map<R, Held> unreported) {
        this.deduplicator = deduplicator;
        this.owner = owner;
        this.lifetime = lifetime;
        this.toProcess = List.copyOf(toProcess);
        this.duplicates = List.copyOf(duplicates);
        this.duplicateSet.addAll(duplicates);
        this.inProgressElsewhere = List.copyOf(inProgressElsewhere);
        this.rejected = List.copyOf(rejected);
        this.unreported = unreported;
    }

    /** The records to hand to the handler, in batch order. */
    public List<R> toProcess() {
        return toProcess;
    }

    /**
     * Records skipped because their key was COMPLETED or came earlier in this batch. The engine treats them as done
     * (checkpointed or deleted) unless the batch's failure brings them back, and reports those done {@link #skipped}.
     */
    public List<R> duplicates() {
        return duplicates;
    }

    /**
     * Records whose key another consumer is processing right now. They are not done: the engine treats them as failed
     * so that they come back later (after a retry backoff, or the queue's visibility timeout). What the engine keeps
     * in order behind them (a stream's later records, a FIFO group's later messages) must not run before them: report
     * those {@link #failed} without invoking the handler, so that they come back with them.
     */
    public List<R> inProgressElsewhere() {
        return inProgressElsewhere;
    }

    /**
     * Records set aside for their own problem (no usable key, payload validation), when the claim was asked to
     * reject them alone; otherwise always empty, since the claim threw. Nothing is claimed for them. The engine fails
     * them without invoking the handler, and keeps what it orders behind them (a FIFO group's later messages) back
     * with them, as for {@link #inProgressElsewhere()}.
     */
    public List<R> rejected() {
        return rejected;
    }

    /**
     * Counts duplicates the engine treats as done (checkpoints or deletes) in
     * {@value BatchDeduplicator#DEDUPLICATED_EVENT_COUNT}: after the handler succeeded, every one of
     * {@link #duplicates()}; after a partial failure, those the retry does not bring back (on a stream those before the
     * lowest failed record, on a FIFO queue those outside a failed message's group); after a failure of the whole
     * batch, none. A duplicate that comes back is claimed again with its batch and counted when a later attempt skips
     * it for good, so that a batch retried five times does not count its duplicates five times; one whose batch is
     * given up in the end counts where given-up records count, not here.
     *
     * @param records records of {@link #duplicates()} not passed here before
     * @throws IllegalArgumentException when a record is not one of them; nothing is counted then
     */
    public void skipped(Collection<? extends R> records) {
        skippedLock.lock();
        try {
            Set<R> taken = Collections.newSetFromMap(new IdentityHashMap<>());
            for (R record : records) {
                if (!duplicateSet.contains(record) || skipped.contains(record) || !taken.add(record)) {
                    throw new IllegalArgumentException("A record passed to skipped() is not an unreported duplicate "
                            + "of this claim: not in duplicates(), passed before, or passed twice. Expected records "
                            + "of duplicates() not passed yet (" + (duplicates.size() - skipped.size())
                            + " remain).");
                }
            }
            skipped.addAll(taken);
        } finally {
            skippedLock.unlock();
        }
        if (!records.isEmpty()) {
            deduplicator.countDeduplicated(records.size());
        }
    }

    /**
     * Marks records the handler processed as COMPLETED for the CompletedTtl. Every record is tried until the store
     * fails twice in a row (an unreachable store must not hold the batch up for one timeout per record); a store
     * error is thrown at the end. The records were processed all the same, so the engine should still checkpoint or delete
     * them: without a COMPLETED entry a redelivery is processed again, which is at-least-once, not a loss.
     *
     * @param records records of {@link #toProcess()} not yet reported
     * @throws IllegalArgumentException when a record is not one of them; nothing is reported then
     */
    public void completed(Collection<? extends R> records) {
        List<Held> keys = take(records);
        RuntimeException error = null;
        int inARow = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (inARow == ERRORS_IN_A_ROW) {
                givenUp("completed", keys.size() - i, keys.size());
                break;
            }
            try {
                deduplicator.complete(keys.get(i));
                inARow = 0;
            } catch (RuntimeException e) {
                error = addTo(error, e);
                inARow++;
            }
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * Releases the claims of records the handler failed, and of those the engine retries with them (on a stream every
     * record after the first failed one, which the handler may not have reached), so that a retry processes them at
     * once. A claim that lapsed while the handler ran is left to whoever took it over. As in {@link #completed}, the
     * report stops when the store fails twice in a row; the claims left lapse at their in-progress expiry.
     *
     * @param records records of {@link #toProcess()} not yet reported
     * @throws IllegalArgumentException when a record is not one of them; nothing is reported then
     */
    public void failed(Collection<? extends R> records) {
        List<Held> keys = take(records);
        RuntimeException error = null;
        int lapsed = 0;
        int inARow = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (inARow == ERRORS_IN_A_ROW) {
                givenUp("released", keys.size() - i, keys.size());
                break;
            }
            try {
                if (!deduplicator.release(keys.get(i), owner)) {
                    lapsed++;
                }
                inARow = 0;
            } catch (RuntimeException e) {
                error = addTo(error, e);
                inARow++;
            }
        }
        if (lapsed > 0) {
            // Keys are left out: a key read from a payload is payload.
            MappingLogName.named(log.atWarn()).addKeyValue("lapsed", lapsed).addKeyValue("records", keys.size())
                    .log("failed records no longer held their claim: it lapsed while the handler ran (its extensions "
                            + "came too late or failed), so another consumer may have processed those records at the "
                            + "same time");
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * How long each claim lasts from its acquisition or its last {@link #extend}: the deadline the engine passed less
     * the time of the claim, or {@link IdempotencySettings#inProgressExpiry()}.
     */
    public Duration lifetime() {
        return lifetime;
    }

    /**
     * Extends the claims of the records not yet reported by {@link #lifetime()} from now, so that a handler still
     * processing them is not overtaken when the first expiry passes. Call it while the handler runs, well within
     * the lifetime; once the handler returns, stop calling it and report the records. Every claim is tried, but those
     * reported meanwhile, and in each run of calls those after two store errors in a row; a store error is thrown at
     * the end.
     *
     * <p>It is one store write per claim, as many as the batch has records (up to 10,000 on a stream), made up to
     * {@value #EXTEND_CONCURRENCY} at a time: one after the other, at a few milliseconds each, a big batch's pass would
     * take longer than the third of a short lifetime it has, and its last claims would lapse under a running handler.
     * Each write sets the same expiry, counted from the start of the pass.
     *
     * @return how many claims were no longer this claim's to extend: they lapsed (the calls came too late) or were
     *         reported meanwhile
     * @throws UnsupportedOperationException when the store cannot extend claims (see {@link IdempotencyStore#extend})
     */
    public int extend() {
        List<Held> held;
        unreportedLock.lock();
        try {
            held = List.copyOf(unreported.values());
        } finally {
            unreportedLock.unlock();
        }
        if (held.isEmpty()) {
            return 0;
        }
        Instant expiry = deduplicator.now().plus(lifetime);
        // The first alone: a store that cannot extend says so before any thread is started.
        Extended first = extend(held.subList(0, 1), expiry);
        int lanes = Math.min(EXTEND_CONCURRENCY, held.size() - 1);
        List<Extended> results = new ArrayList<>(lanes + 1);
        results.add(first);
        if (lanes > 0) {
            List<Held> rest = held.subList(1, held.size());
            List<FutureTask<Extended>> futures = new ArrayList<>(lanes);
            for (int lane = 0; lane < lanes; lane++) {
                List<Held> slice = rest.subList(rest.size() * lane / lanes, rest.size() * (lane + 1) / lanes);
                futures.add(new FutureTask<>(() -> extend(slice, expiry)));
            }
            runLanes(futures);
            for (Future<Extended> future : futures) {
                switch (future.state()) {
                    case SUCCESS -> results.add(future.resultNow());
                    case FAILED -> results.add(new Extended(0, List.of(asRuntime(future.exceptionNow()))));
                    // Every lane ran to its end (its thread joined, or here), and none is cancelled.
                    default -> throw new IllegalStateException("a lane of extend() is " + future.state()
                            + " after runLanes; expected it done");
                }
            }
        }
        int lost = 0;
        RuntimeException error = null;
        for (Extended result : results) {
            lost += result.lost();
            for (RuntimeException e : result.errors()) {
                error = addTo(error, e);
            }
        }
        if (error != null) {
            throw error;
        }
        return lost;
    }

    /**
     * Runs each lane on a thread of its own and waits for them all. Lanes that get no thread (a process at its thread
     * limit) run on this one: the claims are extended all the same, more slowly, rather than left to lapse under a
     * running handler.
     */
    private static void runLanes(List<FutureTask<Extended>> lanes) {
        ThreadNotStarted notStarted = EngineThreads.runEach(Thread.ofVirtual().name("esm4j-claim-extend"), lanes);
        if (notStarted != null) {
            MappingLogName.named(log.atWarn()).addKeyValue("lanes", lanes.size())
                    .addKeyValue("error", notStarted.getMessage())
                    .log("extending idempotency claims got no thread for some of its lanes; they ran one after the "
                            + "other on the renewal's thread");
        }
    }

    private static RuntimeException asRuntime(Throwable e) {
        if (e instanceof UnsupportedOperationException unsupported) {
            throw unsupported;
        }
        if (e instanceof Error error) {
            throw error;
        }
        return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }

    /** The outcome of extending some claims: how many were lost, and the store's errors. */
    private record Extended(int lost, List<RuntimeException> errors) {}

    /**
     * Extends {@code keys} one after the other, skipping those reported meanwhile (the handler returned: a write for
     * them would change nothing), until the store fails twice in a row (an unreachable store answers each call only
     * at its timeout). Never throws but {@link UnsupportedOperationException}.
     */
    private Extended extend(List<Held> keys, Instant expiry) {
        int lost = 0;
        int inARow = 0;
        List<RuntimeException> errors = new ArrayList<>(0);
        for (Held h : keys) {
            if (inARow == ERRORS_IN_A_ROW) {
                break;
            }
            if (reported.contains(h)) {
                continue;
            }
            try {
                if (!deduplicator.extend(h, owner, expiry)) {
                    lost++;
                }
                inARow = 0;
            } catch (UnsupportedOperationException e) {
                throw e;
            } catch (RuntimeException e) {
                errors.add(e);
                inARow++;
            }
        }
        return new Extended(lost, errors);
    }

    /** Checks every record before reporting any, so that a wrong call reports nothing. */
    private List<Held> take(Collection<? extends R> records) {
        unreportedLock.lock();
        try {
            Map<R, Held> taken = new IdentityHashMap<>();
            for (R record : records) {
                Held held = unreported.get(record);
                if (held == null || taken.put(record, held) != null) {
                    throw new IllegalArgumentException("A record passed to completed() or failed() is not an "
                            + "unreported record of this claim: not in toProcess(), reported before, or passed twice. "
                            + "Expected records of toProcess() not reported yet (" + unreported.size() + " remain).");
                }
            }
            taken.keySet().forEach(unreported::remove);
            reported.addAll(taken.values());
            return List.copyOf(taken.values());
        } finally {
            unreportedLock.unlock();
        }
    }

    private static void givenUp(String report, int left, int total) {
        // At-least-once all the same: a record left without COMPLETED is processed again if redelivered, and a claim
        // left unreleased lapses at its in-progress expiry.
        MappingLogName.named(log.atWarn()).addKeyValue("report", report).addKeyValue("notTried", left)
                .addKeyValue("records", total)
                .log("the idempotency store failed twice in a row; the rest of the report is not tried, so that an "
                        + "unreachable store holds the batch up for two of its timeouts, not one per record");
    }

    private static RuntimeException addTo(@Nullable RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
