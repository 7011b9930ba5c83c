package io.esm4j.internal.stream;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.Shard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides the leases to create for shards that have none yet, and where each starts:
 * <ul>
 *   <li>a child of a shard the mapping knows (its parent has a lease, listed or not, or one created in this pass
 *       to be read, or a sibling has a lease: another lease names the same parent) starts at TRIM_HORIZON, so that
 *       nothing written after the split is lost; with AT_TIMESTAMP the timestamp is kept (every child record is
 *       newer than its parents'). The sibling counts because a parent's finished lease goes once every child
 *       <em>listed</em> has begun ({@link #childrenBegun}): a child that the listings missed until then finds
 *       only its sibling's lease to tell that the parent was read;</li>
 *   <li>a shard that has no lease but a child whose lease has begun (its checkpoint is past its start) is created
 *       ended: the child was taken only once this shard was done, or gone, and its lease may have been deleted since
 *       ({@link #childrenBegun}); read again, it would be handled twice, or after its child;</li>
 *   <li>with LATEST, a closed shard the mapping never knew (one that is a parent in the listing) is created ended:
 *       its records are older than "now";</li>
 *   <li>any other shard starts at the mapping's starting position.</li>
 * </ul>
 * Parents are decided before children, whatever the listing's order. A shard with a parent that the listing misses and
 * that has no lease gets no lease yet: an eventually consistent listing (DynamoDB's DescribeStream, Kinesis'
 * ListShards) can miss a parent that is still there, and the child, started as a shard without parents, would have
 * its records handled before the parent's. It waits until the parent is listed (and so decided first, and read
 * first), or until two listings in a row have missed it ({@code parentsGone}): then it was trimmed before the
 * mapping knew it and does not count. A parent that another lease names does not hold a shard back: that lease was
 * created only once the parent was known or gone. It also names the unfinished leases whose shard the stream no
 * longer lists ({@link #gone}). Pure: the coordinator creates what it returns with conditional writes, so two workers
 * seeding at once agree or one of them loses harmlessly.
 */
final class LeaseSeeder {

    private LeaseSeeder() {}

    /**
     * @param existing    the mapping's leases, listed before the shards
     * @param parentsGone parents named by listed shards that neither this listing nor the one before it showed, and
     *                    that have no lease: trimmed, no longer holding their children back
     */
    static List<Lease> newLeases(String mapping, List<Shard> listing, Map<String, Lease> existing,
                                 Set<String> parentsGone, StreamSettings settings) {
        Map<String, Shard> byId = listing.stream().collect(Collectors.toMap(Shard::shardId, s -> s, (a, b) -> a));
        Set<String> parentsOfSomething = listing.stream().flatMap(s -> s.parentIds().stream())
                .collect(Collectors.toSet());
        Map<String, Lease> known = new HashMap<>(existing);
        List<Lease> created = new ArrayList<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Shard shard : listing) {
                if (known.containsKey(shard.shardId())) {
                    continue;
                }
                List<String> listedParents = shard.parentIds().stream().filter(byId::containsKey).toList();
                if (!known.keySet().containsAll(listedParents)
                        || !missingParents(shard, byId.keySet(), existing).stream().allMatch(parentsGone::contains)) {
                    continue;
                }
                // A parent with a lease counts even if this listing misses it (an eventually consistent listing
                // can): the mapping read it, so its child must not start at LATEST and skip what it holds.
                // So does a parent that a sibling's lease names: its own lease may have gone (childrenBegun) while
                // the listings still missed this shard.
                boolean parentRead = shard.parentIds().stream()
                        .anyMatch(p -> existing.containsKey(p) || namedAsParent(p, existing))
                        || listedParents.stream().anyMatch(p -> !known.get(p).ended());
                Checkpoint start;
                if (childBegun(shard.shardId(), existing)) {
                    start = Checkpoint.ShardEnd.INSTANCE;
                } else if (parentRead) {
                    start = childStart(settings);
                } else if (settings.startingPosition() == StartingPosition.LATEST
                        && parentsOfSomething.contains(shard.shardId())) {
                    start = Checkpoint.ShardEnd.INSTANCE;
                } else {
                    start = initialStart(settings);
                }
                Lease lease = Lease.unowned(mapping, shard.shardId(), start, shard.parentIds());
                known.put(shard.shardId(), lease);
                created.add(lease);
                changed = true;
            }
        }
        return created;
    }

    /**
     * True once a finished lease of {@code parent}, whose shard the stream no longer lists, may go: at least one lease
     * names it as a parent, every shard the listing shows as its child has a lease, and every such lease has begun
     * (KCL's rule). Until then the finished lease is the record that the parent was read to the end, and a child the
     * listings missed so far still starts at TRIM_HORIZON (or AT_TIMESTAMP) when it is seeded, not at LATEST. After,
     * a child's lease that has begun is that record: a child is taken only once its parents are done, so a parent
     * listed again is created ended; and a child still missing from the listings finds its sibling's lease, which
     * names the parent ({@link #newLeases}). A finished shard without any child goes by {@link #childlessAndUnlisted}.
     */
    static boolean childrenBegun(String parent, List<Shard> listing, Map<String, Lease> existing) {
        for (Shard shard : listing) {
            if (shard.parentIds().contains(parent) && !existing.containsKey(shard.shardId())) {
                return false;
            }
        }
        boolean anyChild = false;
        for (Lease lease : existing.values()) {
            if (lease.parentIds().contains(parent)) {
                if (lease.checkpoint().notStarted()) {
                    return false;
                }
                anyChild = true;
            }
        }
        return anyChild;
    }

    /** True if a lease names {@code shardId} as a parent. */
    static boolean namedAsParent(String shardId, Map<String, Lease> existing) {
        return existing.values().stream().anyMatch(lease -> lease.parentIds().contains(shardId));
    }

    /**
     * The finished leases whose shard is not listed and that neither a lease nor a listed shard names as a parent: each
     * is of a shard without any child (a DynamoDB stream disabled, a Kinesis stream whose last shards closed) that the
     * stream dropped, or of one whose children the listings still miss. Only time tells which
     * ({@link ShardSync#CHILDLESS_GRACE}). One pass over the listing and the leases: a stream may have thousands.
     */
    static Set<String> childlessAndUnlisted(List<Shard> listing, Map<String, Lease> existing) {
        Set<String> shownOrNamed = new HashSet<>();
        for (Shard shard : listing) {
            shownOrNamed.add(shard.shardId());
            shownOrNamed.addAll(shard.parentIds());
        }
        existing.values().forEach(lease -> shownOrNamed.addAll(lease.parentIds()));
        Set<String> childless = new HashSet<>();
        for (Lease lease : existing.values()) {
            if (lease.ended() && !shownOrNamed.contains(lease.shardId())) {
                childless.add(lease.shardId());
            }
        }
        return childless;
    }

    /** True if a lease names {@code shardId} as a parent and has begun: the shard was done (or gone) before. */
    private static boolean childBegun(String shardId, Map<String, Lease> existing) {
        return existing.values().stream()
                .anyMatch(lease -> lease.parentIds().contains(shardId) && !lease.checkpoint().notStarted());
    }

    /**
     * The parents of a shard that the listing misses and that have no lease: trimmed, or missed by an eventually
     * consistent listing. Only a second listing in a row that misses them tells which.
     */
    static Set<String> missingParents(Shard shard, Set<String> listed, Map<String, Lease> existing) {
        Set<String> missing = new HashSet<>();
        for (String parent : shard.parentIds()) {
            // A parent a sibling's lease names was known (its lease may have gone since) or gone when that lease was
            // created: nothing to wait for.
            if (!listed.contains(parent) && !existing.containsKey(parent) && !namedAsParent(parent, existing)) {
                missing.add(parent);
            }
        }
        return missing;
    }

    /**
     * The shard ids of unfinished leases whose shard a complete listing no longer shows, and whose parents are done
     * (ended, or gone themselves): the stream dropped the shard with what was left unread in it, as DynamoDB Streams
     * does 24 hours after a shard closed and Kinesis once a closed shard is past retention. Such a lease can only
     * fail to read; it ends like a finished one. {@code existing} must have been listed before the shards, so that a
     * lease another worker created from a newer listing is not taken for one.
     */
    static Set<String> gone(Map<String, Lease> existing, Set<String> listed) {
        // Within one listing a parent missing from it counts as gone too: ShardSync confirms with the next listing.
        Set<String> unlisted = new HashSet<>(existing.keySet());
        unlisted.removeAll(listed);
        Set<String> gone = new HashSet<>();
        for (Lease lease : existing.values()) {
            if (!lease.ended() && !listed.contains(lease.shardId())
                    && LeaseBalancer.parentsEnded(lease, existing, listed, unlisted)) {
                gone.add(lease.shardId());
            }
        }
        return gone;
    }

    private static Checkpoint childStart(StreamSettings settings) {
        return settings.startingPosition() == StartingPosition.AT_TIMESTAMP
                ? new Checkpoint.AtTimestamp(settings.startingPositionTimestamp())
                : Checkpoint.TrimHorizon.INSTANCE;
    }

    private static Checkpoint initialStart(StreamSettings settings) {
        return switch (settings.startingPosition()) {
            case TRIM_HORIZON -> Checkpoint.TrimHorizon.INSTANCE;
            case LATEST -> Checkpoint.Latest.INSTANCE;
            case AT_TIMESTAMP -> new Checkpoint.AtTimestamp(settings.startingPositionTimestamp());
        };
    }
}
