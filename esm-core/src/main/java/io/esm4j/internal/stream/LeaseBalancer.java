package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Which leases a worker should take now, and which it should ask for, by the same rules whatever the store (KCL's
 * count-based balancing):
 * <ul>
 *   <li>only leases of unfinished shards whose listed parents have all ended count, and only those are taken
 *       (parent before child, across workers); a lease whose shard the last listing does not show counts as
 *       ended: what was left unread in it expired with the shard, and reading it could only fail;</li>
 *   <li>each live worker's target is its even share, rounded up: {@code ceil(leases / workers)};</li>
 *   <li>a worker below target takes unowned and expired leases first;</li>
 *   <li>if none is free, it steals from the most loaded worker, at most {@code maxSteals} per round and only while
 *       that worker is above target (or two below it), so that shares converge to within one without
 *       ping-pong;</li>
 *   <li>a soft steal asks the owner for the lease instead of taking it ({@link Lease#handoffTo()}): leases already
 *       asked for count as on their way (to the asker's share, not the owner's), and one asked for by this worker
 *       that its owner has not released within the hand-off timeout is taken, within the same per-round bound;</li>
 *   <li>a worker that asks counts as a live worker, also before it holds any lease, and a lease this worker just
 *       handed over is left to the asker while the asker may still take it: the owner does not take back what it
 *       released (no ping-pong), nor keep it from everyone once the asker no longer wants it
 *       ({@link HandoffTracker#LEFT_TO_ASKER}).</li>
 * </ul>
 * Pure and deterministic for a given random source.
 */
final class LeaseBalancer {

    /**
     * What to do this round.
     *
     * @param take    leases to take, as seen (the take is conditional on that version)
     * @param request leases to ask their owners for, as seen
     */
    record Plan(List<Lease> take, List<Lease> request) {
        static final Plan NONE = new Plan(List.of(), List.of());

        static Plan taking(List<Lease> take) {
            return new Plan(take, List.of());
        }
    }

    /**
     * The state of soft steals as this worker knows it.
     *
     * @param soft       true to ask for leases to steal; false to take them (a store without hand-off requests, or
     *                   GracefulHandoffTimeout 0): requests are then ignored
     * @param timedOut   shard ids this worker asked for whose owner has not released them within the hand-off timeout
     * @param handedOver shard ids this worker handed over (or is handing over) lately, with the worker that asked
     */
    record Handoffs(boolean soft, Set<String> timedOut, Map<String, String> handedOver) {
        static final Handoffs NONE = new Handoffs(false, Set.of(), Map.of());
    }

    private LeaseBalancer() {}

    /**
     * @param me         this worker's id
     * @param leases     every lease of the mapping, as just listed
     * @param listed     the shard ids of the last listing of the stream, or null before the first one
     * @param gone       shard ids of unfinished leases that the last two listings no longer showed (ShardSync): only
     *                   those no longer hold their children back
     * @param expired    shard ids whose lease is free to take although it has an owner: it stood still for the
     *                   failover time (also in this worker's name, if no shard worker of it runs the shard)
     * @param maxSteals  MaxLeasesToStealAtOneTime
     */
    static Plan plan(String me, List<Lease> leases, Set<String> listed, Set<String> gone, Set<String> expired,
                     int maxSteals, Handoffs handoffs, Random random) {
        Map<String, Lease> byShard = new HashMap<>();
        leases.forEach(lease -> byShard.put(lease.shardId(), lease));
        List<Lease> active = new ArrayList<>();
        for (Lease lease : leases) {
            if (!lease.ended() && (listed == null || listed.contains(lease.shardId()))
                    && parentsEnded(lease, byShard, listed, gone)) {
                active.add(lease);
            }
        }
        if (active.isEmpty()) {
            return Plan.NONE;
        }
        Map<String, List<Lease>> byOwner = new HashMap<>();
        List<Lease> free = new ArrayList<>();
        for (Lease lease : active) {
            if (lease.owner() == null || expired.contains(lease.shardId())) {
                String handedTo = handoffs.handedOver().get(lease.shardId());
                if (handedTo == null) {
                    free.add(lease);
                } else {
                    byOwner.computeIfAbsent(handedTo, o -> new ArrayList<>());
                }
            } else {
                byOwner.computeIfAbsent(lease.owner(), o -> new ArrayList<>()).add(lease);
                if (handoffs.soft() && lease.handoffRequested()) {
                    byOwner.computeIfAbsent(lease.handoffTo(), o -> new ArrayList<>());
                }
            }
        }
        byOwner.computeIfAbsent(me, o -> new ArrayList<>());
        int target = (active.size() + byOwner.size() - 1) / byOwner.size();
        int mine = byOwner.get(me).size();
        if (mine >= target) {
            return Plan.NONE;
        }
        if (!free.isEmpty()) {
            Collections.shuffle(free, random);
            return Plan.taking(List.copyOf(free.subList(0, Math.min(free.size(), target - mine))));
        }
        return steal(me, byOwner, target, mine, maxSteals, handoffs.soft(), handoffs.timedOut(), random);
    }

    private static Plan steal(String me, Map<String, List<Lease>> byOwner, int target, int mine, int maxSteals,
                              boolean soft, Set<String> timedOut, Random random) {
        List<Lease> askedByMe = new ArrayList<>();
        Map<String, List<Lease>> staying = new HashMap<>();
        for (Map.Entry<String, List<Lease>> owner : byOwner.entrySet()) {
            if (owner.getKey().equals(me)) {
                continue;
            }
            for (Lease lease : owner.getValue()) {
                if (soft && lease.handoffRequested()) {
                    if (me.equals(lease.handoffTo())) {
                        askedByMe.add(lease);
                    }
                } else {
                    staying.computeIfAbsent(owner.getKey(), o -> new ArrayList<>()).add(lease);
                }
            }
        }
        List<Lease> take = new ArrayList<>();
        for (Lease lease : askedByMe) {
            if (timedOut.contains(lease.shardId()) && take.size() < Math.min(maxSteals, target - mine)) {
                take.add(lease);
            }
        }
        int wanted = Math.min(maxSteals - take.size(), target - mine - askedByMe.size());
        List<Lease> more = wanted > 0 ? victimsLeases(staying, target, mine + askedByMe.size(), wanted, random)
                : List.of();
        if (!soft) {
            return Plan.taking(more);
        }
        return new Plan(List.copyOf(take), more);
    }

    /**
     * Up to {@code wanted} leases of the most loaded other worker (counting only leases not already on their way
     * elsewhere), while it is above target, or at target while this worker is two below it.
     */
    private static List<Lease> victimsLeases(Map<String, List<Lease>> staying, int target, int mine, int wanted,
                                             Random random) {
        String victim = null;
        for (Map.Entry<String, List<Lease>> owner : staying.entrySet()) {
            if (victim == null || owner.getValue().size() > staying.get(victim).size()) {
                victim = owner.getKey();
            }
        }
        if (victim == null) {
            return List.of();
        }
        List<Lease> theirs = new ArrayList<>(staying.get(victim));
        int surplus = theirs.size() - target;
        if (surplus <= 0 && !(surplus == 0 && mine < target - 1)) {
            return List.of();
        }
        int count = Math.min(wanted, Math.max(1, surplus));
        Collections.shuffle(theirs, random);
        return List.copyOf(theirs.subList(0, Math.min(count, theirs.size())));
    }

    /**
     * A parent blocks while its lease has not ended, unless its shard is {@code gone} (trimmed before it was
     * finished: nothing is left to read), and while it is listed but has no lease yet. A parent that one listing
     * misses is not gone: an eventually consistent listing (DynamoDB's DescribeStream) can miss a shard still being
     * read, and its children started then would overtake its records. Without a listing yet ({@code listed} null)
     * only the leases decide.
     */
    static boolean parentsEnded(Lease lease, Map<String, Lease> byShard, Set<String> listed, Set<String> gone) {
        for (String parent : lease.parentIds()) {
            Lease parentLease = byShard.get(parent);
            boolean blocks = parentLease != null
                    ? !parentLease.ended() && !gone.contains(parent)
                    : listed != null && listed.contains(parent);
            if (blocks) {
                return false;
            }
        }
        return true;
    }
}
