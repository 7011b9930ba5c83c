package io.esm4j.bench;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the workers' handlers report: which worker handled a record of which shard, when. After {@link #abandoned}
 * it notes, for each shard the abandoned worker held, the first moment another worker handled one of its records.
 */
final class ShardActivity {

    private final Map<String, Long> resumedAt = new ConcurrentHashMap<>();
    private final LongAdder records = new LongAdder();
    private volatile String abandonedWorker = "";
    private volatile Set<String> abandonedShards = Set.of();
    private volatile long abandonedAt;

    void handled(String worker, String shardId) {
        records.increment();
        if (abandonedShards.contains(shardId) && !worker.equals(abandonedWorker)) {
            resumedAt.putIfAbsent(shardId, System.nanoTime());
        }
    }

    /** Records handled so far, replays included. */
    long records() {
        return records.sum();
    }

    void abandoned(String worker, Set<String> shards) {
        abandonedAt = System.nanoTime();
        abandonedWorker = worker;
        abandonedShards = Set.copyOf(shards);
    }

    boolean allResumed() {
        return resumedAt.keySet().containsAll(abandonedShards);
    }

    /** Seconds from the abandonment until every shard of the abandoned worker was processing again. */
    double secondsToAllResumed() {
        return (resumedAt.values().stream().mapToLong(Long::longValue).max().orElseThrow() - abandonedAt) / 1e9;
    }
}
