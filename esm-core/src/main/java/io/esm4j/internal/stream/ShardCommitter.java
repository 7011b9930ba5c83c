package io.esm4j.internal.stream;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one shard's checkpoints in the background, so that neither the lanes nor the reader ever wait on the
 * lease store. It keeps only the newest contiguous position offered (positions in between are never written),
 * writes at most once per CheckpointInterval, retries a failed write with backoff on its own (also when the shard is
 * idle and nothing newer comes), and stops for good when the store says the lease is no longer this worker's: from
 * then on nothing this worker finishes is ever checkpointed.
 */
final class ShardCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(ShardCommitter.class);

    /** What the committer tells its shard worker. Called from the committer's thread, outside its lock. */
    interface Events {
        void shardEndSaved();

        void leaseLost(String reason);

        void fatal(Throwable error);
    }

    /** RETRY: not a failure of the store, a write to repeat shortly (see {@link #write}). */
    private enum Outcome { SAVED, LOST, FAILED, RETRY }

    private final StreamContext<?> ctx;
    private final String shardId;
    private final HeldLease lease;
    private final ShardHealth health;
    private final Events events;
    private final long intervalNanos;
    private final String component;
    private final ReentrantLock lock = new ReentrantLock();
    /** Failed writes in a row, for the log: a store down fails every write, with backoff, for as long as it is. */
    private final FailureRun writeFailures = new FailureRun();
    private final Condition changed = lock.newCondition();

    // Guarded by lock.
    private Checkpoint pending;
    private Checkpoint saved;
    private boolean writing;
    private boolean closed;
    private boolean flushing;
    private long nextWriteNanos;
    private int failuresInARow;

    ShardCommitter(StreamContext<?> ctx, HeldLease lease, ShardHealth health, Events events) {
        this.ctx = ctx;
        this.shardId = lease.shardId();
        this.lease = lease;
        this.health = health;
        this.events = events;
        this.intervalNanos = ctx.settings().checkpointInterval().toNanos();
        this.component = ShardProblems.checkpoints(shardId);
    }

    /** @throws ThreadNotStarted if its thread could not start: nothing runs then */
    void start() {
        EngineThreads.start(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId + "-committer"),
                MappingLogName.bound(ctx.mappingName(), this::run));
    }

    /** The newest contiguous done position; cheap and non-blocking, called under the pipeline's progress lock. */
    void offer(Checkpoint checkpoint) {
        lock.lock();
        try {
            if (!closed) {
                // Only a committer waiting for something to write needs waking: one that already has a pending
                // position re-reads it when its interval is up or its write returns. Waking it on every batch
                // cost a context switch per batch on a busy shard.
                boolean wasIdle = pending == null;
                pending = checkpoint;
                if (wasIdle) {
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The last checkpoint the store accepted from this committer, or null if none yet. */
    Checkpoint saved() {
        lock.lock();
        try {
            return saved;
        } finally {
            lock.unlock();
        }
    }

    /** Writes what is pending now, without waiting for the interval; true if everything offered is saved in time. */
    boolean flush(Instant deadline) throws InterruptedException {
        lock.lock();
        try {
            flushing = true;
            changed.signalAll();
            while ((pending != null || writing) && !closed) {
                long left = Duration.between(Instant.now(), deadline).toNanos();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return pending == null && !writing;
        } finally {
            lock.unlock();
        }
    }

    /** Stops writing; a write in progress finishes in the background. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            while (true) {
                Checkpoint next = awaitNext();
                if (next == null) {
                    return;
                }
                Outcome outcome = write(next);
                afterWrite(next, outcome);
                if (outcome == Outcome.SAVED && next == Checkpoint.ShardEnd.INSTANCE) {
                    events.shardEndSaved();
                } else if (outcome == Outcome.LOST) {
                    events.leaseLost("the lease store refused a checkpoint: another worker holds the lease");
                }
            }
        } catch (InterruptedException e) {
            // Nothing interrupts a committer (close() signals it), and write() clears a flag a store left set.
        } catch (Throwable e) {
            events.fatal(e);
        }
    }

    /** Blocks until a position is due for writing; null once closed. */
    private Checkpoint awaitNext() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return null;
                }
                long wait = nextWriteNanos - System.nanoTime();
                boolean due = wait <= 0 || (flushing && failuresInARow == 0);
                if (pending != null && due) {
                    Checkpoint next = pending;
                    pending = null;
                    writing = true;
                    return next;
                }
                if (pending == null) {
                    changed.await();
                } else {
                    changed.awaitNanos(wait);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void afterWrite(Checkpoint written, Outcome outcome) {
        lock.lock();
        try {
            writing = false;
            switch (outcome) {
                case SAVED -> {
                    saved = written;
                    failuresInARow = 0;
                    nextWriteNanos = System.nanoTime() + intervalNanos;
                }
                case LOST -> closed = true;
                case FAILED, RETRY -> {
                    failuresInARow++;
                    if (pending == null) {
                        pending = written;
                    }
                    nextWriteNanos = System.nanoTime() + ctx.backoff().delay(failuresInARow).toNanos();
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * One conditional write with the lease's newest token. A refusal right after the renewer moved the token on is
     * not a loss: the write is tried once more with the new token.
     */
    private Outcome write(Checkpoint checkpoint) {
        LeaseWrite refused = null;
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                Lease held = lease.current();
                // A checkpoint leaves the counter alone: a write retried after a lost answer still matches, and
                // a refusal is never this worker's own write.
                LeaseWrite result = ctx.leases().checkpoint(held, checkpoint);
                if (result instanceof LeaseWrite.Written written) {
                    lease.checkpointed(written.lease());
                    ctx.status().resolved(component);
                    int ended = writeFailures.succeeded();
                    if (FailureRun.logRecovery(ended)) {
                        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                                .addKeyValue("failuresInARow", ended).log("checkpoint write works again");
                    }
                    return Outcome.SAVED;
                }
                refused = result;
                if (lease.current() != held) {
                    continue;
                }
                if (result instanceof LeaseWrite.Lost lost && aheadInOurName(lost.current(), held)) {
                    // Our own renewal moved the counter but its answer was lost: the renewer settles which version
                    // is ours (or that the lease is gone); until then the write waits.
                    LOG.atDebug().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                            .log("checkpoint waits for the renewer: the lease moved on in this worker's name");
                    return Outcome.RETRY;
                }
                break;
            }
            Lease now = refused instanceof LeaseWrite.Lost lost ? lost.current() : null;
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                    .addKeyValue("heldCounter", lease.current().counter())
                    .addKeyValue("owner", now == null ? null : now.owner())
                    .addKeyValue("counter", now == null ? null : now.counter())
                    .log("checkpoint refused: the lease is no longer this worker's; the shard stops here");
            return Outcome.LOST;
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            // Nothing interrupts the committer: an InterruptedException, or a flag left set, is the store's own (a
            // client that takes a timeout for an interrupt). Left set, the flag would end the committer's next wait,
            // and every checkpoint of the shard after it, silently.
            Thread.interrupted();
            ctx.metrics().checkpointWriteFailures.increment();
            health.failed(e);
            ctx.status().problem(component, "PROBLEM: checkpoint write for shard " + shardId + " failed: "
                    + Fatal.describe(e));
            FailureRun.log(LOG, writeFailures.failed(), e, true).addKeyValue("mapping", ctx.mappingName())
                    .addKeyValue("shardId", shardId).addKeyValue("checkpoint", checkpoint)
                    .log("checkpoint write failed; retrying in the background");
            return Outcome.FAILED;
        }
    }

    private static boolean aheadInOurName(Lease current, Lease held) {
        return current != null && held.owner().equals(current.owner()) && current.counter() > held.counter();
    }
}
