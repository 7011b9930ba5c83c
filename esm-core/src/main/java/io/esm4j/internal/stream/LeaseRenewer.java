package io.esm4j.internal.stream;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import java.time.Duration;
import java.util.Collection;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this worker's leases alive on a schedule of its own, never delayed by handlers or checkpoint writes: every
 * third of FailoverTime it renews each lease, and a lease whose renewals have not succeeded for FailoverTime minus a
 * safety margin is given up locally before any other worker can consider it expired.
 *
 * <p>The renewals due at one check run one after another on one thread, which for a fast store (the in-memory one)
 * costs far less than a thread per renewal. Those that thread has not started within a patience of FailoverTime / 50
 * each get a thread of their own, so one slow or hung call delays the others by at most the patience, and a slow
 * store is renewed in parallel as before. The checks and the calls run on platform threads that the renewers of all
 * mappings share ({@link LeaseThreads}): platform, so that handlers busy on every carrier thread of the virtual
 * threads do not hold renewals up; shared, so that a mapping costs no thread of its own and a check starts none.
 *
 * <p>The timing, with f = FailoverTime: renewals every f/3, a check every f/6, a margin of f/10 on top of one check
 * period. A holder stops reading at the latest {@code f - f/6 - f/10} after its last successful renewal started,
 * while another worker takes the lease at the earliest {@code f} after that renewal (it must see the counter stand
 * still for f by its own clock). So renewal latency plus scheduling delay must stay under about {@code 0.4 f}.
 */
final class LeaseRenewer {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewer.class);
    /** How the engine's fatal path names this component in a state transition reason. */
    static final String COMPONENT = "lease renewer";
    private final StreamContext<?> ctx;
    private final Supplier<Collection<? extends ShardWorker<?>>> workers;
    /** The engine's fatal path: the mapping stops and says why. */
    private final Consumer<Throwable> fatal;
    /** The fatal path is taken once: a failing JVM may fail every check until the stop has released the leases. */
    private final AtomicBoolean fatalReported = new AtomicBoolean();
    private final long renewEveryNanos;
    private final Duration tick;
    private final Duration patience;
    /**
     * The leases with a renewal call in flight, by identity: a shard taken again while an old lease's call still hangs
     * is a new lease, renewed on its own schedule.
     */
    private final Set<HeldLease> renewing = ConcurrentHashMap.newKeySet();
    /**
     * Renewal failures in a row per shard, for the log: a store down fails every shard's renewal every tick until the
     * leases run out. Removed when a renewal is answered; cleared should shards that failed leave unanswered pile up.
     */
    private final ConcurrentHashMap<String, FailureRun> failureRuns = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> checks;

    LeaseRenewer(StreamContext<?> ctx, Supplier<Collection<? extends ShardWorker<?>>> workers,
                 Consumer<Throwable> fatal) {
        this.ctx = ctx;
        this.workers = workers;
        this.fatal = fatal;
        Duration failover = ctx.settings().failoverTime();
        this.renewEveryNanos = failover.toNanos() / 3;
        this.tick = failover.dividedBy(6);
        this.patience = patience(failover);
    }

    /** How long renewals due together may wait for the one thread that renews them in turn. */
    static Duration patience(Duration failoverTime) {
        return failoverTime.dividedBy(50);
    }

    /** How much sooner than FailoverTime a holder gives a lease up if it cannot renew it. */
    static Duration margin(Duration failoverTime) {
        return failoverTime.dividedBy(6).plus(failoverTime.dividedBy(10));
    }

    void start() {
        checks = LeaseThreads.every(tick, this::check);
    }

    /** Stops renewing; call after the leases were released (or given up). */
    void stop() {
        stopped = true;
        ScheduledFuture<?> running = checks;
        if (running != null) {
            running.cancel(false);
        }
    }

    /**
     * One check, on the shared clock thread: quick, no I/O, and it never ends the checks that follow, not even after a
     * fatal error. Rethrown, that error ended this mapping's checks for good, unseen (the clock keeps it in the
     * check's future), while the mapping ran on: its leases neither renewed nor given up locally once they could
     * expire. Instead the mapping stops (the engine's fatal path), and the checks go on while its stop drains, so that
     * the leases are kept, or given up in time, until the stop releases them.
     */
    private void check() {
        if (stopping()) {
            return;
        }
        try {
            renewDue(System.nanoTime());
        } catch (Throwable e) {
            // A bug here must not silently end renewals: every lease would be lost a little later.
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).setCause(e).log("lease renewer failed");
            if (Fatal.isFatal(e)) {
                fatal(e);
                return;
            }
            ctx.metrics().restarts.increment();
            ctx.status().problem(COMPONENT, "PROBLEM: lease renewer restarted: " + Fatal.describe(e));
        }
    }

    /** Hands a fatal error to the engine, once; never throws, so that no check or pool thread ends with it. */
    private void fatal(Throwable error) {
        if (!fatalReported.compareAndSet(false, true)) {
            return;
        }
        try {
            fatal.accept(error);
        } catch (Throwable e) {
            // The stop could not be begun (no thread to be had): the next fatal error tries again.
            fatalReported.set(false);
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).setCause(e).log("stopping the mapping failed");
        }
    }

    private void renewDue(long now) {
        Queue<ShardWorker<?>> due = new ConcurrentLinkedQueue<>();
        for (ShardWorker<?> worker : workers.get()) {
            HeldLease lease = worker.lease();
            if (lease.expiredLocally(now)) {
                worker.leaseLost("not renewed within FailoverTime (" + ctx.settings().failoverTime()
                        + ") less the safety margin");
            } else if (dueAt(lease.nanosSinceRenewal(now)) && renewing.add(lease)) {
                due.add(worker);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        try {
            LeaseThreads.call("esm4j-" + ctx.mappingName() + "-renewals", () -> renewInTurn(due));
            // Each lease is polled once, by that thread or here: those it has not started by then get a thread each.
            LeaseThreads.after(patience, () -> spread(due));
        } catch (Throwable e) {
            forget(due);
            throw e;
        }
    }

    /** On the clock, after the patience: a thread each for the renewals the one thread has not started. */
    private void spread(Queue<ShardWorker<?>> due) {
        try {
            for (ShardWorker<?> worker = due.poll(); worker != null; worker = due.poll()) {
                ShardWorker<?> alone = worker;
                try {
                    LeaseThreads.call("esm4j-" + ctx.mappingName() + "-renew-" + alone.shardId(), () -> renew(alone));
                } catch (Throwable e) {
                    renewing.remove(alone.lease());
                    throw e;
                }
            }
        } catch (Throwable e) {
            // No thread to be had (the JVM is out of them): the next checks try these leases again.
            forget(due);
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).setCause(e).log("lease renewals not started");
            if (Fatal.isFatal(e)) {
                // Rethrown on the clock, it ended in this task's future, unseen.
                fatal(e);
            }
        }
    }

    /** Leaves the leases still queued to be renewed at a later check. */
    private void forget(Queue<ShardWorker<?>> due) {
        for (ShardWorker<?> worker = due.poll(); worker != null; worker = due.poll()) {
            renewing.remove(worker.lease());
        }
    }

    /**
     * Whether a lease renewed that long ago is due. The renewal started a little after the check that handed it out,
     * so two check periods later less than f/3 has passed since: with a threshold of exactly f/3 it would wait for a
     * third check, f/2 after the last. Half a check period of slack keeps renewals on every second check.
     */
    private boolean dueAt(long nanosSinceRenewal) {
        return nanosSinceRenewal >= renewEveryNanos - tick.toNanos() / 2;
    }

    private void renewInTurn(Queue<ShardWorker<?>> due) {
        try {
            // renew() keeps an interrupt flag only once the renewer is stopping: then the rest of the round is left.
            for (ShardWorker<?> worker = due.poll(); worker != null && !Thread.currentThread().isInterrupted();
                    worker = due.poll()) {
                renew(worker);
            }
        } finally {
            // Only a stop leaves leases here.
            forget(due);
        }
    }

    private static final int MAX_FAILURE_RUNS = 4096;

    /** The store answered a renewal of the shard's lease: a run of failed renewals ends, with one line. */
    private void answered(String shardId) {
        FailureRun run = failureRuns.remove(shardId);
        int ended = run == null ? 0 : run.succeeded();
        if (FailureRun.logRecovery(ended)) {
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                    .addKeyValue("failuresInARow", ended).log("lease renewal answered again");
        }
    }

    private void renew(ShardWorker<?> worker) {
        HeldLease lease = worker.lease();
        long start = System.nanoTime();
        // The renewal states this worker's FailoverTime, which the store records for the other workers to compare.
        Lease held = lease.current().stating(ctx.settings().failoverTime());
        try {
            LeaseWrite result = ctx.leases().renew(held);
            long madeAt = start;
            if (lease.renewalRetried(held)) {
                // The earlier attempt may have been made and moved the counter: then this refusal shows that write.
                LeaseWrite own = result.orMadeBy(held.renewed(), false);
                if (own != result) {
                    // Other workers have seen the counter stand still since that attempt, not since this one: timed
                    // from this one, the lease would be kept locally past the moment they may take it.
                    madeAt = lease.unansweredSinceNanos();
                }
                result = own;
            }
            answered(lease.shardId());
            switch (result) {
                case LeaseWrite.Written written -> {
                    lease.renewed(written.lease(), madeAt);
                    ctx.status().resolved(ShardProblems.lease(lease.shardId()));
                    if (written.lease().handoffRequested()) {
                        // The store returns the lease as written: a request is seen here, often before the next
                        // listing of the coordinator.
                        worker.handoffRequested(written.lease().handoffTo());
                    }
                }
                case LeaseWrite.Lost lost -> worker.leaseLost("another worker took the lease"
                        + (lost.current() == null ? "" : " (owner now " + lost.current().owner() + ")"));
            }
        } catch (Throwable e) {
            // Unanswered, whatever the failure: the store may have made the write.
            lease.renewalUnanswered(held, start);
            if (Fatal.isFatal(e)) {
                // Rethrown, it ended the pool thread, seen only by the default handler on stderr; the mapping ran on
                // and its status showed nothing. A later check renews the lease while the stop drains.
                LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", lease.shardId())
                        .setCause(e).log("lease renewal failed with a fatal error");
                fatal(e);
                return;
            }
            ctx.status().problem(ShardProblems.lease(lease.shardId()), "PROBLEM: renewing the lease of shard "
                    + lease.shardId() + " failed: " + Fatal.describe(e));
            if (failureRuns.size() >= MAX_FAILURE_RUNS) {
                failureRuns.clear();
            }
            FailureRun run = failureRuns.computeIfAbsent(lease.shardId(), shard -> new FailureRun());
            FailureRun.log(LOG, run.failed(), e, true).addKeyValue("mapping", ctx.mappingName())
                    .addKeyValue("shardId", lease.shardId()).log("lease renewal failed; retrying at the next tick");
        } finally {
            // A flag the store left set (it restored an interrupt its client made up, whether it then failed or
            // answered) is not the stop's: nothing interrupts a renewal. Left set, it failed every renewal after this
            // one on the same thread, as a blocking client fails at once on an interrupted thread. The flag is read
            // first: a flag kept is only ever seen with the renewer stopping.
            if (Thread.currentThread().isInterrupted() && !stopping()) {
                Thread.interrupted();
            }
            ctx.metrics().leaseRenewalLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            renewing.remove(lease);
        }
    }

    /** The one rule for whether an interrupt may be the engine's: only once stop() was called. */
    private boolean stopping() {
        return stopped;
    }
}
