package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import io.esm4j.stream.Shard;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the mapping's leases in step with the stream's shards, every ShardSyncInterval or when a shard ends: it lists
 * the shards, creates the leases {@link LeaseSeeder} says new shards need, deletes finished leases of shards the
 * stream no longer lists, and remembers which unfinished leases have lost their shard. It is the part of the
 * {@link LeaseCoordinator}'s round that asks the source, kept apart from the part that balances leases between
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
    private long nextSyncNanos;

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
        for (Lease lease : LeaseSeeder.newLeases(ctx.mappingName(), listing, existing, ctx.settings())) {
            if (ctx.leases().create(lease)) {
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", lease.shardId())
                        .addKeyValue("from", Checkpoints.describe(lease.checkpoint())).log("lease created for a new shard");
            }
        }
        Set<String> ids = new HashSet<>();
        listing.forEach(shard -> ids.add(shard.shardId()));
        // A finished shard the stream no longer lists has nothing left to guard: its children no longer wait for it.
        for (Lease lease : existing.values()) {
            if (lease.ended() && !ids.contains(lease.shardId())) {
                ctx.leases().delete(lease);
            }
        }
        listed = ids;
        Set<String> missingNow = LeaseSeeder.gone(existing, ids);
        Set<String> confirmed = new HashSet<>(missingNow);
        confirmed.retainAll(missing);
        missing = missingNow;
        gone = confirmed;
        nextSyncNanos = System.nanoTime() + ctx.settings().shardSyncInterval().toNanos();
    }
}
