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
 * Which leases a worker should take now, by the same rules whatever the store (KCL's count-based balancing):
 * <ul>
 *   <li>only leases of unfinished shards whose listed parents have all ended count, and only those are taken
 *       (parent before child, across workers);</li>
 *   <li>each live worker's target is its even share, rounded up: {@code ceil(leases / workers)};</li>
 *   <li>a worker below target takes unowned and expired leases first;</li>
 *   <li>if none is free, it steals from the most loaded worker, at most {@code maxSteals} per round and only while
 *       that worker is above target (or two below it), so that shares converge to within one without
 *       ping-pong.</li>
 * </ul>
 * Pure and deterministic for a given random source.
 */
final class LeaseBalancer {

    private LeaseBalancer() {}

    /**
     * @param me         this worker's id
     * @param leases     every lease of the mapping, as just listed
     * @param listed     the shard ids of the last listing of the stream, or null before the first one
     * @param expired    shard ids whose lease is free to take although it has an owner: it stood still for the
     *                   failover time, or it is in this worker's name but no longer held
     * @param maxSteals  MaxLeasesToStealAtOneTime
     * @return the leases to take, as seen (the take is conditional on that version)
     */
    static List<Lease> toTake(String me, List<Lease> leases, Set<String> listed, Set<String> expired,
                              int maxSteals, Random random) {
        Map<String, Lease> byShard = new HashMap<>();
        leases.forEach(lease -> byShard.put(lease.shardId(), lease));
        List<Lease> active = new ArrayList<>();
        for (Lease lease : leases) {
            if (!lease.ended() && parentsEnded(lease, byShard, listed)) {
                active.add(lease);
            }
        }
        if (active.isEmpty()) {
            return List.of();
        }
        Map<String, List<Lease>> byOwner = new HashMap<>();
        List<Lease> free = new ArrayList<>();
        for (Lease lease : active) {
            if (lease.owner() == null || expired.contains(lease.shardId())) {
                free.add(lease);
            } else {
                byOwner.computeIfAbsent(lease.owner(), o -> new ArrayList<>()).add(lease);
            }
        }
        byOwner.computeIfAbsent(me, o -> new ArrayList<>());
        int target = (active.size() + byOwner.size() - 1) / byOwner.size();
        int mine = byOwner.get(me).size();
        if (mine >= target) {
            return List.of();
        }
        if (!free.isEmpty()) {
            Collections.shuffle(free, random);
            return List.copyOf(free.subList(0, Math.min(free.size(), target - mine)));
        }
        return steal(me, byOwner, target, mine, maxSteals, random);
    }

    private static List<Lease> steal(String me, Map<String, List<Lease>> byOwner, int target, int mine,
                                     int maxSteals, Random random) {
        String victim = null;
        for (Map.Entry<String, List<Lease>> owner : byOwner.entrySet()) {
            if (!owner.getKey().equals(me)
                    && (victim == null || owner.getValue().size() > byOwner.get(victim).size())) {
                victim = owner.getKey();
            }
        }
        if (victim == null) {
            return List.of();
        }
        List<Lease> theirs = new ArrayList<>(byOwner.get(victim));
        int surplus = theirs.size() - target;
        if (surplus <= 0 && !(surplus == 0 && mine < target - 1)) {
            return List.of();
        }
        int count = Math.min(maxSteals, Math.min(target - mine, Math.max(1, surplus)));
        Collections.shuffle(theirs, random);
        return List.copyOf(theirs.subList(0, Math.min(count, theirs.size())));
    }

    /**
     * A parent blocks while its lease has not ended, unless the stream no longer lists it (trimmed before it was
     * finished: nothing is left to read), and while it is listed but has no lease yet. Without a listing yet
     * ({@code listed} null) only the leases decide.
     */
    private static boolean parentsEnded(Lease lease, Map<String, Lease> byShard, Set<String> listed) {
        for (String parent : lease.parentIds()) {
            Lease parentLease = byShard.get(parent);
            boolean blocks = parentLease != null
                    ? !parentLease.ended() && (listed == null || listed.contains(parent))
                    : listed != null && listed.contains(parent);
            if (blocks) {
                return false;
            }
        }
        return true;
    }
}
