package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the FailoverTime each lease's owner recorded with its last renewal ({@link Lease#ownerFailoverTime()})
 * with this worker's. Workers that disagree disagree on when a lease has expired: one with a shorter FailoverTime
 * takes live leases of one with a longer one, whose renewals come less often, and both handle the same records until
 * the owner's next write is refused. Nothing is decided from it (the lease's value may be stale by a renewal, and
 * taking sides would not make the fleet agree); it is reported, as a warning once per other worker and value, and as
 * a problem of the mapping for as long as a listed lease shows it, and counted ({@code FailoverTimeMismatches}).
 *
 * <p>Only a value the store returns for the lease's present counter is compared: a lease not renewed since its take,
 * renewed by a version that does not record it, or kept by a store that does not, shows none and is not compared.
 */
final class FailoverTimeCheck {

    private static final Logger LOG = LoggerFactory.getLogger(FailoverTimeCheck.class);
    static final String COMPONENT = "failover time";
    private static final String RULE = "; every worker sharing a lease store must have the same FailoverTime";

    private record Reported(String worker, long failoverTimeMillis) {}

    private final StreamContext<?> ctx;
    private final Duration own;
    /** Logged once each; forgotten when the worker holds no listed lease any more, so a set that stays small. */
    private final Set<Reported> logged = new HashSet<>();
    private @Nullable String shown;

    FailoverTimeCheck(StreamContext<?> ctx) {
        this.ctx = ctx;
        this.own = ctx.settings().failoverTime();
    }

    void check(List<Lease> leases) {
        // By worker, the lowest shard id that shows its differing value: a status text that stays the same from one
        // listing to the next while nothing changes.
        Map<String, Lease> differing = new TreeMap<>();
        Set<String> owners = new HashSet<>();
        for (Lease lease : leases) {
            String owner = lease.owner();
            Duration theirs = lease.ownerFailoverTime();
            if (owner == null) {
                continue;
            }
            owners.add(owner);
            // A lease in this worker's own name renewed by another process is the worker id clash's business.
            // Compared in milliseconds, the precision the durable stores keep.
            if (theirs == null || theirs.toMillis() == own.toMillis() || owner.equals(ctx.workerId())) {
                continue;
            }
            differing.merge(owner, lease, (a, b) -> a.shardId().compareTo(b.shardId()) <= 0 ? a : b);
        }
        logged.removeIf(reported -> !owners.contains(reported.worker()));
        differing.values().forEach(this::warnOnce);
        show(differing);
    }

    private void warnOnce(Lease lease) {
        Duration theirs = lease.ownerFailoverTime();
        if (theirs == null || !logged.add(new Reported(lease.owner(), theirs.toMillis()))) {
            return;
        }
        ctx.metrics().failoverTimeMismatches.increment();
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("worker", ctx.workerId())
                .addKeyValue("shardId", lease.shardId()).addKeyValue("otherWorker", lease.owner())
                .addKeyValue("otherFailoverTimeMs", theirs.toMillis()).addKeyValue("failoverTimeMs", own.toMillis())
                .log("another worker sharing the lease store has a different FailoverTime: "
                        + consequence(theirs));
    }

    private void show(Map<String, Lease> differing) {
        String text = differing.isEmpty() ? null : "PROBLEM: FailoverTime differs between workers: "
                + differing.values().stream().map(lease -> "worker " + lease.owner() + " has "
                        + millis(lease.ownerFailoverTime()) + " (lease of shard " + lease.shardId() + ")")
                .collect(Collectors.joining(", "))
                + ", this worker (" + ctx.workerId() + ") has " + millis(own) + RULE;
        if (text == null && shown != null) {
            ctx.status().resolved(COMPONENT);
        } else if (text != null && !text.equals(shown)) {
            ctx.status().problem(COMPONENT, text);
        }
        shown = text;
    }

    /**
     * What the difference does, from this worker's side. A holder renews every third of its FailoverTime, checked
     * every sixth: its leases stand still for up to about half of it between renewals, and a worker whose FailoverTime
     * is that short takes them although their holder is alive.
     */
    private String consequence(Duration theirs) {
        if (theirs.compareTo(own) > 0) {
            return own.compareTo(theirs.dividedBy(2)) <= 0
                    ? "this worker's is so much shorter that it takes the other worker's live leases between their "
                            + "renewals, and records are handled twice" + RULE
                    : "this worker takes the other worker's leases sooner than that worker expects (a late renewal "
                            + "loses them)" + RULE;
        }
        return theirs.compareTo(own.dividedBy(2)) <= 0
                ? "the other worker's is so much shorter that it takes this worker's live leases between their "
                        + "renewals, and records are handled twice" + RULE
                : "the other worker takes this worker's leases sooner than this worker expects (a late renewal loses "
                        + "them)" + RULE;
    }

    private static String millis(@Nullable Duration duration) {
        return duration == null ? "?" : duration.toMillis() + " ms";
    }
}
