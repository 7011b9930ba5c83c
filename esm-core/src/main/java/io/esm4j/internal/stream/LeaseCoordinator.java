package io.esm4j.internal.stream;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator of a stream mapping, in rounds on shared platform threads ({@link LeaseThreads}): it has the stream's shards listed and leases created for new ones
 * ({@link ShardSync}, every ShardSyncInterval, and at once when a shard ends); it lists the leases, notices which
 * ones stand still (expired, by this worker's clock), and takes or asks for what {@link LeaseBalancer} says, with
 * what {@link HandoffTracker} remembers of hand-offs, starting a shard worker for each lease taken. It holds no lock
 * across any of these calls, and a call that hangs delays only this mapping's rounds.
 */
final class LeaseCoordinator {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);
    static final String COMPONENT = "lease coordinator";
    /** The stream's own condition ({@link io.esm4j.stream.StreamSource#problem()}). */
    static final String SOURCE_COMPONENT = "stream";
    /**
     * How soon a worker looks again while it is still moving leases: it has a request pending, or its last round
     * took or asked for a lease. An owner releases an asked-for lease at a moment the asker can learn of only by
     * listing, and a round moves at most MaxLeasesToStealAtOneTime leases; at the usual pace (half of FailoverTime,
     * 5 s by default) a handed-over shard would stand still that long between the owner's last record and the
     * asker's first, once per lease moved.
     */
    static final Duration BALANCING_RECHECK = Duration.ofSeconds(1);

    /** What the coordinator needs from the engine. */
    interface Workers {
        /** A shard worker of this process runs the shard. */
        boolean holds(String shardId);

        /**
         * A shard worker runs the shard, or one that lost its lease has invocations still running: either way this
         * process must not take the shard now.
         */
        boolean busy(String shardId);

        /** @throws ThreadNotStarted if the worker's threads could not start: it was not started, the lease released */
        void start(HeldLease lease);

        /** The listing shows a lease this worker holds in another worker's name: stop that shard now. */
        void takenOver(String shardId, String owner);

        /** The stream no longer lists the shard of a lease this worker holds: stop the shard, it cannot be read. */
        void shardGone(String shardId);

        /** The listing shows that another worker asked for a lease this worker holds: hand it over. */
        void handoffRequested(String shardId, String requester);

        /** Called after every round that worked, so that the mapping can say it is enabled. */
        void roundCompleted();

        void fatal(Throwable error);
    }

    private final StreamContext<?> ctx;
    private final Workers workers;
    private final Duration failoverTime;
    private final long takeEveryNanos;
    private final Random random = new Random();
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private boolean syncRequested = true;
    private final LeaseRounds rounds;
    private int failures;
    /** The same failures, for the log: a store or source down fails every round, with backoff, while it is. */
    private final FailureRun roundFailures = new FailureRun();
    // Used by the rounds only, which never overlap (each is scheduled when the one before has ended).
    private final LeaseObserver observer;
    private final ShardSync shardSync;
    private final HandoffTracker handoffs;
    private volatile List<Lease> lastLeases = List.of();

    LeaseCoordinator(StreamContext<?> ctx, Workers workers) {
        this.ctx = ctx;
        this.workers = workers;
        this.failoverTime = ctx.settings().failoverTime();
        this.observer = new LeaseObserver(ctx);
        this.shardSync = new ShardSync(ctx);
        this.handoffs = new HandoffTracker(ctx);
        this.takeEveryNanos = ctx.settings().leaseListingInterval().toNanos();
        this.rounds = new LeaseRounds(ctx.mappingName(), this::runRound, workers::fatal);
    }

    /**
     * Starts the coordinator's rounds on platform threads, as the renewer's: handlers run on virtual threads, and one
     * that computes without blocking keeps its carrier until its batch ends. With as many such handlers as carriers, a
     * virtual coordinator waited for a batch to end at every round: the worker took no free or expired lease, asked
     * for none and took none it had been handed (the owner leaves a released lease to the asker for 2 s only), and
     * listed no shards, for as long as its batches ran. The rounds of every mapping share a pool of such threads
     * ({@link LeaseRounds}) instead of one sleeping thread a mapping: a round takes a pool thread while it runs, and
     * a call that hangs holds up only its own mapping's rounds, as before.
     */
    void start() {
        rounds.start();
    }

    /** A shard ended (or a lease was freed): list shards and balance now instead of at the next round. */
    void wake(boolean syncShards) {
        lock.lock();
        try {
            syncRequested |= syncShards;
        } finally {
            lock.unlock();
        }
        rounds.wake();
    }

    /** Stops the rounds, interrupting a source or store call in progress; does not wait for it. */
    void stop() {
        rounds.stop();
    }

    /**
     * This worker hands a lease over to {@code requester}: once released, it is left to the asker for as long as the
     * asker needs to take it ({@link HandoffTracker#LEFT_TO_ASKER}, within GracefulHandoffTimeout), so that this
     * worker does not take back what it gave away.
     */
    void handingOver(String shardId, String requester) {
        handoffs.handingOver(shardId, requester);
    }

    /** The leases as last listed, for the status view. */
    List<Lease> lastLeases() {
        return lastLeases;
    }

    /** Lists and balances once; returns how long until the next round, or -1 to end the rounds. */
    private long runRound() {
        long waitNanos;
        try {
            if (syncDue()) {
                shardSync.sync();
                showSourceProblem();
            }
            boolean moving = balance();
            if (failures > 0) {
                failures = 0;
                ctx.status().resolved(COMPONENT);
                int ended = roundFailures.succeeded();
                if (FailureRun.logRecovery(ended)) {
                    LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("failuresInARow", ended)
                            .log("listing shards and leases works again");
                }
            }
            workers.roundCompleted();
            waitNanos = Math.min(takeEveryNanos, Math.max(0, shardSync.nextSyncNanos() - System.nanoTime()));
            if (moving || handoffs.waiting()) {
                waitNanos = Math.min(waitNanos, BALANCING_RECHECK.toNanos());
            }
        } catch (Throwable e) {
            if (Fatal.isFatal(e)) {
                workers.fatal(e);
                return -1;
            }
            if (stopping()) {
                return -1;
            }
            // stop() marks the coordinator stopping before it interrupts it, so an InterruptedException now is a
            // source's or store's own (a client that takes a timeout for an interrupt): a failed round. Taken
            // for a stop, it ended shard sync and balancing for good, silently. A flag the call restored would
            // be left on the pool thread.
            Thread.interrupted();
            failures++;
            String what = e instanceof WriteFailed write ? write.what : "listing shards or leases";
            Throwable cause = e instanceof WriteFailed write ? write.getCause() : e;
            ctx.metrics().pollingErrors.increment();
            ctx.status().problem(COMPONENT, "PROBLEM: " + what + " failed: " + Fatal.describe(cause));
            FailureRun.log(LOG, roundFailures.failed(), cause, true).addKeyValue("mapping", ctx.mappingName())
                    .log(what + " failed; retrying");
            waitNanos = ctx.backoff().delay(failures).toNanos();
        }
        return waitNanos;
    }

    /** The stream's own condition, as the listing just found it: shown while it lasts. */
    private void showSourceProblem() {
        Optional<String> problem = ctx.source().problem();
        if (problem.isPresent()) {
            ctx.status().problem(SOURCE_COMPONENT, "PROBLEM: " + problem.get());
        } else {
            ctx.status().resolved(SOURCE_COMPONENT);
        }
    }

    private boolean stopping() {
        return rounds.stopping();
    }

    private boolean syncDue() {
        lock.lock();
        try {
            boolean due = syncRequested || System.nanoTime() - shardSync.nextSyncNanos() >= 0;
            syncRequested = false;
            return due;
        } finally {
            lock.unlock();
        }
    }

    /** One round of balancing; true if it took or asked for a lease. */
    private boolean balance() throws Exception {
        List<Lease> leases = ctx.leases().list(ctx.mappingName());
        lastLeases = List.copyOf(leases);
        long now = System.nanoTime();
        Set<String> expired = observe(leases, now);
        endGone(leases, expired);
        LeaseBalancer.Handoffs round = handoffs.round(leases, now, expired);
        Set<String> timedOut = round.timedOut();
        LeaseBalancer.Plan plan = LeaseBalancer.plan(ctx.workerId(), leases, shardSync.listed(), shardSync.gone(),
                expired, ctx.settings().maxLeasesToStealAtOneTime(), round, random);
        for (Lease seen : plan.take()) {
            if (stopping()) {
                return false;
            }
            try {
                take(seen, expired.contains(seen.shardId()), timedOut.contains(seen.shardId()), leases);
            } catch (WriteFailed e) {
                throw e;
            } catch (Exception e) {
                throw new WriteFailed("taking the lease of shard " + seen.shardId(), e);
            }
        }
        for (Lease seen : plan.request()) {
            if (stopping()) {
                return false;
            }
            try {
                ask(seen, leases);
            } catch (WriteFailed e) {
                throw e;
            } catch (Exception e) {
                throw new WriteFailed("asking " + seen.owner() + " for the lease of shard " + seen.shardId(), e);
            }
        }
        return !plan.take().isEmpty() || !plan.request().isEmpty();
    }

    private void take(Lease seen, boolean expired, boolean requestTimedOut, List<Lease> leases) throws Exception {
        long start = System.nanoTime();
        // No refusal counts as this worker's own take here: it never retries a take (if one fails, the lease is
        // listed again; taken by an answer that was lost, it is expired after FailoverTime like anyone's).
        LeaseWrite taken = ctx.leases().take(seen, ctx.workerId());
        if (taken instanceof LeaseWrite.Written written) {
            (seen.owner() == null ? ctx.metrics().leasesTakenUnowned
                    : expired ? ctx.metrics().leasesTakenExpired
                    : ctx.metrics().leasesStolen).increment();
            if (requestTimedOut) {
                ctx.metrics().handoffsTimedOut.increment();
            }
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("worker", ctx.workerId())
                    .addKeyValue("shardId", seen.shardId()).addKeyValue("previousOwner", seen.owner())
                    .addKeyValue("counter", seen.counter()).addKeyValue("expired", expired)
                    .addKeyValue("handoffTimedOut", requestTimedOut)
                    .addKeyValue("owners", owners(leases)).addKeyValue("from", Checkpoints.describe(seen.checkpoint()))
                    .log("lease taken");
            if (written.lease().ended()) {
                giveBackEnded(written.lease());
                return;
            }
            try {
                workers.start(new HeldLease(written.lease(), start, failoverTime, LeaseRenewer.margin(failoverTime)));
            } catch (ThreadNotStarted e) {
                // The engine released the lease again: a later round takes it, after the round's backoff.
                throw new WriteFailed("starting the worker of shard " + seen.shardId(), e);
            }
        }
    }

    /**
     * A take won a lease whose shard ended since it was listed (its owner wrote SHARD_END, which leaves the counter
     * alone): nothing is left to run, so it is released at once instead of being held, and renewed, by a shard worker
     * with nothing to do.
     */
    private void giveBackEnded(Lease taken) throws Exception {
        LeaseWrite released = ctx.leases().release(taken);
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", taken.shardId())
                .addKeyValue("released", released instanceof LeaseWrite.Written)
                .log("the lease taken had reached the shard's end meanwhile; released, not run");
    }

    /**
     * Ends the unfinished leases whose shard the stream no longer lists: a shard of this worker stops (its reads can
     * only fail), and a lease nobody runs (unowned or expired) is deleted, like a finished lease of an unlisted
     * shard. The balancer already leaves them out. What the lease had not reached expired with the shard: the
     * warning says where it stood.
     */
    private void endGone(List<Lease> leases, Set<String> expired) throws Exception {
        for (Lease lease : leases) {
            String id = lease.shardId();
            if (!shardSync.gone().contains(id) || lease.ended()) {
                continue;
            }
            if (workers.holds(id)) {
                workers.shardGone(id);
            } else if ((lease.owner() == null || expired.contains(id)) && ctx.leases().delete(lease)) {
                ctx.metrics().unfinishedShardsExpired.increment();
                // A read of it that failed before its shard worker stopped would otherwise show for good.
                ShardProblems.clear(ctx.status(), id);
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", id)
                        .addKeyValue("checkpoint", Checkpoints.describe(lease.checkpoint()))
                        .addKeyValue("previousOwner", lease.owner())
                        .log("the stream no longer lists the shard, and its lease had not reached the shard's end: the "
                                + "records after the checkpoint expired unread; lease deleted");
            }
        }
    }

    /**
     * A soft steal: asks the owner to hand the lease over. Taken as before when the store cannot record the request.
     */
    private void ask(Lease seen, List<Lease> leases) throws Exception {
        long start = System.nanoTime();
        LeaseWrite asked;
        try {
            asked = ctx.leases().requestHandoff(seen, ctx.workerId());
        } catch (UnsupportedOperationException e) {
            handoffs.storeTakesNoRequests();
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("store", ctx.leases().getClass().getName())
                    .log("the lease store records no hand-off requests; balancing takes leases from their owners "
                            + "at once (work in flight there is handled again)");
            take(seen, false, false, leases);
            return;
        }
        if (asked instanceof LeaseWrite.Written) {
            ctx.metrics().handoffsRequested.increment();
            handoffs.asked(seen.shardId(), seen.owner(), start);
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("worker", ctx.workerId())
                    .addKeyValue("shardId", seen.shardId()).addKeyValue("owner", seen.owner())
                    .addKeyValue("owners", owners(leases)).log("lease asked for");
        }
    }

    /**
     * Stops shards this worker runs whose lease the listing shows in another worker's name, hands over those asked
     * for, and returns the expired leases ({@link LeaseObserver}).
     */
    private Set<String> observe(List<Lease> leases, long now) {
        for (Lease lease : leases) {
            String id = lease.shardId();
            if (workers.holds(id) && !ctx.workerId().equals(lease.owner())) {
                // Noticed here within a round, instead of at the next renewal a third of FailoverTime later.
                workers.takenOver(id, lease.owner());
            } else if (workers.holds(id) && lease.handoffRequested()) {
                workers.handoffRequested(id, lease.handoffTo());
            }
        }
        return observer.observe(leases, now, workers::busy);
    }

    /** How many unfinished leases each worker holds, as listed: for the log of a take. */
    private static Map<String, Integer> owners(List<Lease> leases) {
        Map<String, Integer> owners = new java.util.TreeMap<>();
        leases.stream().filter(l -> l.owner() != null && !l.ended()).forEach(l -> owners.merge(l.owner(), 1, Integer::sum));
        return owners;
    }

    /**
     * A lease write of a round failed (the listings worked): the round is retried like a failed listing, and the
     * status says which write failed instead of blaming the listing.
     */
    private static final class WriteFailed extends Exception {
        final String what;

        WriteFailed(String what, Exception cause) {
            super(what + " failed", cause);
            this.what = what;
        }
    }

    /** The leases by shard id. */
    static Map<String, Lease> byShard(List<Lease> leases) {
        Map<String, Lease> byShard = new HashMap<>();
        leases.forEach(lease -> byShard.put(lease.shardId(), lease));
        return byShard;
    }
}
