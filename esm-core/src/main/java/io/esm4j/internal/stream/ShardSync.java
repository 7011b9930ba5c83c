package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import io.esm4j.stream.Shard;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the mapping's leases in step with the stream's shards, every ShardSyncInterval or when a shard ends: it lists
 * the shards, creates the leases {@link LeaseSeeder} says new shards need, deletes finished leases of shards the
 * stream no longer lists once their children have begun (or, without children, once the listings have not shown
 * them for {@link #CHILDLESS_GRACE}), and remembers which unfinished leases have lost their shard. It is the part
 * of the {@link LeaseCoordinator}'s round that asks the source, kept apart from the part that balances leases between
 * workers; it runs on the coordinator's thread only.
 */
final class ShardSync {

    // The coordinator's log category, as before this class was split from it: log configurations keep working.
    private static final Logger LOG = LoggerFactory.getLogger(LeaseCoordinator.class);

    private final StreamContext<?> ctx;
    private Set<String> listed;
    /**
     * Unfinished leases whose shard the last two listings no longer showed ({@link LeaseSeeder#gone}): one listing
     * that misses a shard (DynamoDB's DescribeStream is eventually consistent) does not end a lease whose records
     * might still be there.
     */
    private Set<String> gone = Set.of();
    /** What the last listing alone no longer showed. */
    private Set<String> missing = Set.of();
    /**
     * Parents named by shards without a lease that the last listing missed and that had no lease
     * ({@link LeaseSeeder#missingParents}): their children get a lease only once the parent is listed, or once the
     * next listing misses it as well.
     */
    private Set<String> missingParents = Set.of();
    private long nextSyncNanos;

    /**
     * How soon the listing that confirms a missed parent comes when a new shard waits for one: sooner than
     * ShardSyncInterval, because a shard whose parent was trimmed (every fresh start on a stream older than its
     * retention) gets no lease until then, and with LATEST its start would be that much later, skipping what was
     * written meanwhile. Eventually consistent listings catch up within seconds.
     */
    static final long PARENT_CONFIRMATION_NANOS = Duration.ofSeconds(2).toNanos();

    /**
     * How long a finished lease whose shard has no children stays after the listings stopped showing the shard: one
     * listing, or a few, that miss a shard prove nothing (eventually consistent listings), and a finished shard whose
     * new children the listings miss as well looks childless until they catch up (seconds). Deleted then, its
     * children would start at the mapping's starting position (LATEST skips their records). An hour is far beyond
     * any such lag, and short beside the day a closed shard stays listed. (The DEBUG log of the deletion says "an
     * hour".)
     */
    static final Duration CHILDLESS_GRACE = Duration.ofHours(1);

    /**
     * Since when, by the context's clock, the listings have shown neither the shard of a finished lease nor a child of
     * it ({@link LeaseSeeder#childlessAndUnlisted}): this worker's own observation, started again after a restart.
     */
    private final Map<String, Instant> childlessSince = new HashMap<>();

    ShardSync(StreamContext<?> ctx) {
        this.ctx = ctx;
    }

    /** The shard ids of the last listing, or null before the first one. */
    Set<String> listed() {
        return listed;
    }

    /** Unfinished leases whose shard the last two listings no longer showed. */
    Set<String> gone() {
        return gone;
    }

    /** When the next sync is due, by {@link System#nanoTime()}. */
    long nextSyncNanos() {
        return nextSyncNanos;
    }

    void sync() throws Exception {
        // Leases first: a lease that is older than the listing and absent from it is one of a shard that is gone,
        // not one another worker created from a newer listing.
        Map<String, Lease> existing = LeaseCoordinator.byShard(ctx.leases().list(ctx.mappingName()));
        List<Shard> listing = ctx.source().listShards();
        Set<String> ids = new HashSet<>();
        listing.forEach(shard -> ids.add(shard.shardId()));
        // The parents this listing misses, by the shard without a lease that names them.
        Map<String, Set<String>> missedParents = new LinkedHashMap<>();
        for (Shard shard : listing) {
            if (!existing.containsKey(shard.shardId())) {
                Set<String> missed = LeaseSeeder.missingParents(shard, ids, existing);
                if (!missed.isEmpty()) {
                    missedParents.put(shard.shardId(), missed);
                }
            }
        }
        Set<String> missingParentsNow = new HashSet<>();
        missedParents.values().forEach(missingParentsNow::addAll);
        Set<String> parentsGone = new HashSet<>(missingParentsNow);
        parentsGone.retainAll(missingParents);
        missingParents = missingParentsNow;
        List<Lease> created = LeaseSeeder.newLeases(ctx.mappingName(), listing, existing, parentsGone, ctx.settings());
        for (Lease lease : created) {
            if (ctx.leases().create(lease)) {
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", lease.shardId())
                        .addKeyValue("from", Checkpoints.describe(lease.checkpoint())).log("lease created for a new shard");
            }
        }
        Instant now = ctx.clock().instant();
        noteChildless(listing, existing, now);
        // A finished lease is what tells a child, seeded late, that its parent was read to the end: without it, the
        // child of a parent the stream no longer lists would start at the mapping's starting position (LATEST skips
        // what the child holds). So it goes only once the stream no longer lists its shard and every child is known
        // and has begun: from then on a child's lease is that record (LeaseSeeder#childrenBegun), also for a sibling
        // still missing from the listings. A finished shard without children goes once no listing has shown
        // it, or a child of it, for CHILDLESS_GRACE: no child is left to tell.
        for (Lease lease : existing.values()) {
            if (!lease.ended() || ids.contains(lease.shardId())) {
                continue;
            }
            String why;
            if (LeaseSeeder.childrenBegun(lease.shardId(), listing, existing)) {
                why = "finished lease deleted: the shard is no longer listed and its children have begun";
            } else if (childlessLongEnough(lease.shardId(), now)) {
                why = "finished lease deleted: the shard has no children and has not been listed for an hour";
            } else {
                continue;
            }
            if (ctx.leases().delete(lease)) {
                LOG.atDebug().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", lease.shardId())
                        .log(why);
            }
        }
        listed = ids;
        boolean waiting = logWaiting(missedParents, created, parentsGone);
        Set<String> missingNow = LeaseSeeder.gone(existing, ids);
        Set<String> confirmed = new HashSet<>(missingNow);
        confirmed.retainAll(missing);
        missing = missingNow;
        gone = confirmed;
        long interval = ctx.settings().shardSyncInterval().toNanos();
        nextSyncNanos = System.nanoTime() + (waiting ? Math.min(interval, PARENT_CONFIRMATION_NANOS) : interval);
    }

    /** Notes the finished leases that look childless and unlisted now, and forgets the others. */
    private void noteChildless(List<Shard> listing, Map<String, Lease> existing, Instant now) {
        Set<String> childless = LeaseSeeder.childlessAndUnlisted(listing, existing);
        childlessSince.keySet().retainAll(childless);
        childless.forEach(shardId -> childlessSince.putIfAbsent(shardId, now));
    }

    private boolean childlessLongEnough(String shardId, Instant now) {
        Instant since = childlessSince.get(shardId);
        return since != null && !since.plus(CHILDLESS_GRACE).isAfter(now);
    }

    /**
     * Names each new shard left without a lease because of a parent the listing missed: it waits for one more listing
     * at most. Says whether any does.
     */
    private boolean logWaiting(Map<String, Set<String>> missedParents, List<Lease> created, Set<String> parentsGone) {
        boolean waiting = false;
        Set<String> createdIds = new HashSet<>();
        created.forEach(lease -> createdIds.add(lease.shardId()));
        for (Map.Entry<String, Set<String>> shard : missedParents.entrySet()) {
            if (createdIds.contains(shard.getKey())) {
                continue;
            }
            Set<String> waitingFor = new HashSet<>(shard.getValue());
            waitingFor.removeAll(parentsGone);
            if (!waitingFor.isEmpty()) {
                waiting = true;
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shard.getKey())
                        .addKeyValue("missingParents", waitingFor)
                        .log("new shard waits: the listing misses a parent that has no lease; its lease is created "
                                + "once a listing shows the parent (read first), or the next listing misses it too "
                                + "(trimmed)");
            }
        }
        return waiting;
    }
}
