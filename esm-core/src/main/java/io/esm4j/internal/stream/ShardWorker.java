package io.esm4j.internal.stream;

import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one shard while this worker holds its lease, and supervises itself: a {@link ShardSupervisor} thread runs
 * {@link ShardSession}s and replaces one that fails outside the handler with a new one that starts after the last
 * done record, with backoff. Progress goes to a {@link ShardCommitter}. The worker itself owns the lease's end: it
 * notices a loss or a hand-off request once, and writes the final checkpoint and hands the lease back once. Every
 * failure is counted, logged and shown in the shard's status; only a fatal one stops the mapping.
 */
final class ShardWorker<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);

    /** What a worker tells the engine that runs it. */
    interface Owner {
        /** The shard's end is checkpointed and its lease released: its children may start. */
        void shardEnded(ShardWorker<?> worker);

        /**
         * The lease is gone: the worker stopped reading and will write nothing more. Invocations it had started may
         * still run: {@link #lostSessionEnded} follows once they have ended.
         */
        void leaseLost(ShardWorker<?> worker, String reason);

        /**
         * After {@link #leaseLost}: the invocations of the worker's last session have ended, or were given up on
         * (see {@link ShardSupervisor#windDown}). Until then this process must not take the shard again.
         */
        void lostSessionEnded(ShardWorker<?> worker);

        /** A failure that retrying cannot heal: the mapping must stop. */
        void fatal(String shardId, Throwable error);

        /** Another worker asked for the lease: hand the shard over (called once per worker). */
        void handoffRequested(ShardWorker<?> worker, String requester);
    }

    private final StreamContext<T> ctx;
    private final HeldLease lease;
    private final String shardId;
    private final Owner owner;
    private final ShardHealth health;
    private final ShardCommitter committer;
    private final ShardSupervisor<T> supervisor;
    /** Set once the lease is lost or handed back: later renewal failures are not a loss. */
    private final AtomicBoolean leaseGone = new AtomicBoolean();
    /**
     * Set once the lease is lost (not handed back), before the sessions hear of it: batches of this worker that run
     * out of retries or age from then on are left to the lease's next owner, not given up.
     */
    private volatile boolean leaseWasLost;
    private final AtomicBoolean handingOver = new AtomicBoolean();
    private final AtomicBoolean releaseStarted = new AtomicBoolean();
    private final AtomicBoolean finishStarted = new AtomicBoolean();
    private final CompletableFuture<ShardStopReport> finished = new CompletableFuture<>();

    ShardWorker(StreamContext<T> ctx, HeldLease lease, Owner owner) {
        this.ctx = ctx;
        this.lease = lease;
        this.shardId = lease.shardId();
        this.owner = owner;
        this.health = new ShardHealth(ctx.clock());
        this.committer = new ShardCommitter(ctx, lease, health, new ShardCommitter.Events() {
            @Override
            public void shardEndSaved() {
                ShardWorker.this.supervisor.shardEndSaved();
            }

            @Override
            public void leaseLost(String reason) {
                ShardWorker.this.leaseLost(reason);
            }

            @Override
            public void fatal(Throwable error) {
                ShardWorker.this.supervisor.fatal(error);
            }
        });
        this.supervisor = new ShardSupervisor<>(ctx, this, owner, committer);
    }

    String shardId() {
        return shardId;
    }

    HeldLease lease() {
        return lease;
    }

    ShardHealth health() {
        return health;
    }

    /** The last checkpoint this worker wrote, or null if it wrote none. */
    Checkpoint writtenCheckpoint() {
        return committer.saved();
    }

    /** Where the shard stands: the last checkpoint written, or the lease's own. */
    Checkpoint position() {
        Checkpoint written = committer.saved();
        return written != null ? written : lease.current().checkpoint();
    }

    long inFlight() {
        return supervisor.inFlight();
    }

    /**
     * Starts the committer and the supervisor, or neither.
     *
     * @throws ThreadNotStarted if a thread could not start: the caller forgets the worker and releases the lease
     */
    void start() {
        committer.start();
        try {
            supervisor.start();
        } catch (ThreadNotStarted e) {
            committer.close();
            throw e;
        }
    }

    /** Stops reading and forming batches; batches being invoked finish, failed ones are not retried. */
    void requestStop() {
        supervisor.stop();
    }

    /**
     * The renewer could not keep the lease, or another worker took it: stop at once, write nothing more. Counted
     * once, however many parts of the worker notice.
     */
    void leaseLost(String reason) {
        if (markLeaseLost()) {
            ctx.metrics().leasesLost.increment();
            supervisor.leaseLost(reason);
        }
    }

    /**
     * Marks the lease lost (not handed back), before the sessions hear of it; true for the first caller only, who
     * then reports the loss.
     */
    boolean markLeaseLost() {
        if (!leaseGone.compareAndSet(false, true)) {
            return false;
        }
        leaseWasLost = true;
        return true;
    }

    /** Whether the lease was lost: what the sessions would give up is left to the lease's next owner. */
    boolean leaseWasLost() {
        return leaseWasLost;
    }

    /**
     * The lease shows that {@code requester} asked for it (seen by the coordinator's listing or a renewal): the
     * engine hands the shard over once, unless the lease is gone already.
     */
    void handoffRequested(String requester) {
        if (!leaseGone.get() && handingOver.compareAndSet(false, true)) {
            owner.handoffRequested(this, requester);
        }
    }

    boolean awaitTermination(Instant deadline) throws InterruptedException {
        return supervisor.awaitTermination(deadline);
    }

    /** After the stop timeout: interrupts handlers still running. */
    void interruptHandlers() {
        supervisor.interruptHandlers();
    }

    /**
     * After a stop or a hand-off: writes the final checkpoint, hands the lease back and reports what is left. The
     * lease is released even if the checkpoint could not be written: the next worker then starts at once from the
     * last one written, instead of waiting out the failover time to do the same. Runs once: when a hand-off and the
     * mapping's stop both finish the shard, the second call waits for the first one's report.
     */
    ShardStopReport finish(Instant deadline) throws InterruptedException {
        if (!finishStarted.compareAndSet(false, true)) {
            try {
                long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
                return finished.get(left, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return new ShardStopReport(shardId, committer.saved(), inFlight(), false, false);
            }
        }
        try {
            boolean saved = committer.flush(deadline);
            committer.close();
            boolean released = release();
            ShardStopReport report = new ShardStopReport(shardId, committer.saved(), inFlight(), saved, released);
            finished.complete(report);
            return report;
        } catch (Throwable e) {
            finished.completeExceptionally(e);
            throw e;
        }
    }

    /** Gives back a lease taken just as the mapping stopped, without starting anything. */
    void releaseUnstarted() {
        release();
    }

    /** Hands the lease back, once; true if the store took the release. */
    boolean release() {
        leaseGone.set(true);
        if (!releaseStarted.compareAndSet(false, true)) {
            return false;
        }
        try {
            Lease held = lease.current();
            LeaseWrite result = ctx.leases().release(held);
            if (result instanceof LeaseWrite.Lost lost && lost.current() != null
                    && Objects.equals(held.owner(), lost.current().owner())
                    && lost.current().counter() > held.counter()) {
                // A renewal in flight moved the counter on in this worker's name: release that version.
                Lease renewed = lost.current();
                result = ctx.leases().release(renewed);
            }
            return result instanceof LeaseWrite.Written;
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId).setCause(e)
                    .log("releasing the lease failed; another worker takes it once it expires");
            return false;
        }
    }
}
