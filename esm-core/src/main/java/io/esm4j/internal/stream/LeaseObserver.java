package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the coordinator learns from each lease listing, by this worker's clock: since when it has seen each lease
 * unchanged (one whose counter stood still for FailoverTime is expired), and whether another process renews leases in
 * this worker's name, and whether other workers' leases show another FailoverTime ({@link FailoverTimeCheck}).
 *
 * <p>A lease in this worker's own name that no shard worker of it runs is treated like anyone's: it is expired only
 * once it stood still for FailoverTime. It may be one this process gave up locally, one left by an earlier process
 * with the same id, or one that another live process with the same id holds and renews: taking the last at once
 * would make both process the shard. Worker ids must be unique; a clash is reported as a problem of the mapping.
 */
final class LeaseObserver {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseObserver.class);
    static final String CLASH = "worker id";

    /**
     * When this worker first saw a lease in its present version, and how often in a row it saw it move in this
     * worker's name while this worker did not run it.
     */
    private record Observation(String owner, long counter, long sinceNanos, int movesInOurName) {}

    private final StreamContext<?> ctx;
    private final long failoverNanos;
    private final Map<String, Observation> observations = new HashMap<>();
    private final FailoverTimeCheck failoverTimes;
    /** True while a clash is reported: a lease moved in this worker's name, held by another process, lately. */
    private boolean clashing;
    private long clashSeenAtNanos;

    LeaseObserver(StreamContext<?> ctx) {
        this.ctx = ctx;
        this.failoverNanos = ctx.settings().failoverTime().toNanos();
        this.failoverTimes = new FailoverTimeCheck(ctx);
    }

    /**
     * Notes the listing; returns the shard ids of leases that have an owner and are free to take: not run by this
     * process ({@code busy}) and unchanged for FailoverTime.
     */
    Set<String> observe(List<Lease> leases, long now, Predicate<String> busy) {
        Set<String> present = new HashSet<>();
        Set<String> expired = new HashSet<>();
        for (Lease lease : leases) {
            String id = lease.shardId();
            present.add(id);
            Observation seen = observations.get(id);
            boolean ours = ctx.workerId().equals(lease.owner()) && !busy.test(id);
            if (seen == null || seen.counter() != lease.counter() || !Objects.equals(seen.owner(), lease.owner())) {
                // One move can be this process's own renewal that answered after it gave the lease up; a second
                // one cannot.
                int moves = ours && seen != null && Objects.equals(seen.owner(), lease.owner())
                        ? seen.movesInOurName() + 1 : 0;
                seen = new Observation(lease.owner(), lease.counter(), now, moves);
                observations.put(id, seen);
                if (moves >= 2) {
                    clashSeen(id, now);
                }
            }
            if (lease.owner() != null && !busy.test(id) && now - seen.sinceNanos() >= failoverNanos) {
                expired.add(id);
            }
        }
        observations.keySet().retainAll(present);
        failoverTimes.check(leases);
        if (clashing && now - clashSeenAtNanos > failoverNanos) {
            clashing = false;
            ctx.status().resolved(CLASH);
        }
        return expired;
    }

    private void clashSeen(String shardId, long now) {
        if (!clashing) {
            clashing = true;
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("worker", ctx.workerId())
                    .addKeyValue("shardId", shardId)
                    .log("another process renews a lease in this worker's name: worker ids must be unique among the "
                            + "workers sharing a lease store; this one takes no lease another process renews");
            ctx.status().problem(CLASH, "PROBLEM: another process uses worker id " + ctx.workerId()
                    + " (it renews leases in that name); worker ids must be unique among the workers sharing a "
                    + "lease store");
        }
        clashSeenAtNanos = now;
    }
}
