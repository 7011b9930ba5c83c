package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this worker knows of graceful hand-offs between balancing rounds: the leases it asked for and since when
 * (to take them once GracefulHandoffTimeout has passed), the leases it handed over and to whom (left to the asker
 * while it may still take them), and whether the lease store records requests at all. {@link LeaseBalancer} is pure
 * and remembers nothing; this is the memory it is given each round as {@link LeaseBalancer.Handoffs}, kept apart
 * from the {@link LeaseCoordinator}'s loop so that the timing rules of a hand-off sit in one place.
 */
final class HandoffTracker {

    private static final Logger LOG = LoggerFactory.getLogger(HandoffTracker.class);

    /** Since when this worker has asked {@code worker}, the lease's owner, for a lease. */
    private record Request(String worker, long sinceNanos) {}

    /**
     * A lease this worker hands over: to whom, since when, and since when this worker has seen it released
     * ({@code -1} while it has not).
     */
    private record Reservation(String asker, long sinceNanos, long releasedSeenNanos) {
        Reservation released(long nowNanos) {
            return new Reservation(asker, sinceNanos, nowNanos);
        }
    }

    /**
     * How long a lease this worker released for an asker stays left to it once this worker has seen it released. The
     * asker lists every {@link LeaseCoordinator#BALANCING_RECHECK} at most while its request is pending and takes the
     * released lease in the first round that shows it, if it still wants it; once two such rounds have passed
     * without a take, it no longer does (it stopped or stalled, or reached its share another way). Left to it for
     * the rest of GracefulHandoffTimeout, the lease stood still with nobody running it whenever no other worker was
     * below its share: this worker counted the asker as live and kept off the lease, the others were at target.
     */
    static final Duration LEFT_TO_ASKER = LeaseCoordinator.BALANCING_RECHECK.multipliedBy(2);

    private final StreamContext<?> ctx;
    // Coordinator thread only.
    private final Map<String, Request> requests = new HashMap<>();
    /** Leases this worker hands over or handed over lately, with the asker (written by hand-off threads too). */
    private final Map<String, Reservation> handedOver = new ConcurrentHashMap<>();
    /** False once the store said it records no hand-off requests: balancing then takes leases as it always did. */
    private boolean storeTakesRequests = true;

    HandoffTracker(StreamContext<?> ctx) {
        this.ctx = ctx;
    }

    /**
     * This worker hands a lease over to {@code requester}: once released, it is left to the asker for as long as the
     * asker needs to take it ({@link #LEFT_TO_ASKER}, within GracefulHandoffTimeout from now), so that this worker
     * does not take back what it gave away. Any thread.
     */
    void handingOver(String shardId, String requester) {
        handedOver.put(shardId, new Reservation(requester, System.nanoTime(), -1));
    }

    /** This worker's request for the lease of {@code shardId}, held by {@code owner}, was written. */
    void asked(String shardId, String owner, long sinceNanos) {
        requests.put(shardId, new Request(owner, sinceNanos));
    }

    /** The store refused a request as unsupported: from now on balancing takes leases instead of asking. */
    void storeTakesNoRequests() {
        storeTakesRequests = false;
    }

    /** True while a request of this worker is pending: the coordinator then looks again sooner. */
    boolean waiting() {
        return !requests.isEmpty();
    }

    /**
     * The state of hand-offs for a balancing round over {@code leases}, as listed at {@code now}, with the shard ids
     * of those this worker sees expired ({@link LeaseObserver}).
     */
    LeaseBalancer.Handoffs round(List<Lease> leases, long now, Set<String> expired) {
        Set<String> timedOut = timedOutRequests(leases, now);
        boolean soft = storeTakesRequests && ctx.settings().gracefulHandoffTimeout().isPositive();
        return new LeaseBalancer.Handoffs(soft, timedOut, handedOver(leases, now, expired));
    }

    /**
     * The leases this worker handed over that are still left to their askers: not yet taken, not too long ago, and
     * not free (released, or expired: a release the store failed leaves the lease in this worker's name with nobody
     * running it) for longer than the asker needs to take them.
     */
    private Map<String, String> handedOver(List<Lease> leases, long now, Set<String> expired) {
        Map<String, Lease> byShard = LeaseCoordinator.byShard(leases);
        long timeoutNanos = ctx.settings().gracefulHandoffTimeout().toNanos();
        Map<String, String> reserved = new HashMap<>();
        for (Map.Entry<String, Reservation> entry : handedOver.entrySet()) {
            Lease lease = byShard.get(entry.getKey());
            Reservation reservation = entry.getValue();
            boolean free = lease != null && (lease.owner() == null || expired.contains(entry.getKey()));
            boolean over = lease == null || now - reservation.sinceNanos() >= timeoutNanos
                    || (lease.owner() != null && !lease.owner().equals(ctx.workerId()))
                    || (reservation.releasedSeenNanos() >= 0
                            && now - reservation.releasedSeenNanos() >= LEFT_TO_ASKER.toNanos());
            if (over) {
                if (handedOver.remove(entry.getKey(), reservation) && free) {
                    // Rare, and the one trace of a hand-over the asker did not complete: say so.
                    LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", entry.getKey())
                            .addKeyValue("asker", reservation.asker())
                            .log("the asker has not taken the lease handed over to it; it is free to take again");
                }
                continue;
            }
            if (free && reservation.releasedSeenNanos() < 0) {
                // A hand-off thread may have put a newer reservation meanwhile: that one is left as it is.
                handedOver.replace(entry.getKey(), reservation, reservation.released(now));
            }
            reserved.put(entry.getKey(), reservation.asker());
        }
        return reserved;
    }

    /**
     * Leases this worker asked for whose owner has kept them for GracefulHandoffTimeout since, by this worker's
     * clock: from its own request, or from when it first saw the request (after a restart of this worker).
     */
    private Set<String> timedOutRequests(List<Lease> leases, long now) {
        Map<String, Request> waiting = new HashMap<>();
        Set<String> timedOut = new HashSet<>();
        long timeoutNanos = ctx.settings().gracefulHandoffTimeout().toNanos();
        for (Lease lease : leases) {
            if (lease.handoffRequested() && ctx.workerId().equals(lease.handoffTo())) {
                Request request = requests.get(lease.shardId());
                if (request == null || !request.worker().equals(lease.owner())) {
                    request = new Request(lease.owner(), now);
                }
                waiting.put(lease.shardId(), request);
                if (now - request.sinceNanos() >= timeoutNanos) {
                    timedOut.add(lease.shardId());
                }
            }
        }
        requests.clear();
        requests.putAll(waiting);
        return timedOut;
    }
}
