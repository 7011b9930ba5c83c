package io.esm4j.internal.stream;

import io.esm4j.checkpoint.Checkpoint;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides which shards to start and where, keeping parent before child:
 * <ul>
 *   <li>a shard with a checkpoint resumes after it (or is finished, at its end);</li>
 *   <li>a shard starts only when every parent is finished, or gone from the listing (trimmed);</li>
 *   <li>the child of a shard this mapping read starts at TRIM_HORIZON so that nothing after the split is lost,
 *       except with AT_TIMESTAMP, where the timestamp is kept (every child record is newer than its parents');</li>
 *   <li>with LATEST, a closed shard this mapping never read is skipped: its records are older than "now".</li>
 * </ul>
 * Not thread-safe: the engine's coordinator thread owns it.
 */
final class ShardPlanner {

    /** A shard to start now. */
    record Start(String shardId, ReadStart from) {}

    private final StreamSettings settings;
    private final Set<String> finished = new HashSet<>();
    private final Set<String> started = new HashSet<>();
    /** Shards this mapping read, in this run or an earlier one; skipped shards are finished but not read. */
    private final Set<String> read = new HashSet<>();

    ShardPlanner(StreamSettings settings) {
        this.settings = settings;
    }

    void markFinished(String shardId) {
        finished.add(shardId);
    }

    boolean isFinished(String shardId) {
        return finished.contains(shardId);
    }

    /** The shards to start now, parents first. {@code checkpoints} looks a shard's checkpoint up. */
    List<Start> plan(List<Shard> listing, CheckpointLookup checkpoints) throws Exception {
        Map<String, Shard> byId = listing.stream().collect(Collectors.toMap(Shard::shardId, s -> s, (a, b) -> a));
        Set<String> parentsOfSomething = listing.stream().flatMap(s -> s.parentIds().stream())
                .collect(Collectors.toSet());
        List<Start> starts = new ArrayList<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Shard shard : listing) {
                String id = shard.shardId();
                if (finished.contains(id) || started.contains(id)) {
                    continue;
                }
                Optional<Checkpoint> checkpoint = checkpoints.load(id);
                if (checkpoint.isPresent() && checkpoint.get() instanceof Checkpoint.ShardEnd) {
                    finished.add(id);
                    read.add(id);
                    changed = true;
                    continue;
                }
                List<String> knownParents = shard.parentIds().stream().filter(byId::containsKey).toList();
                if (!finished.containsAll(knownParents)) {
                    continue;
                }
                if (checkpoint.isPresent()) {
                    String sequenceNumber = ((Checkpoint.AtSequenceNumber) checkpoint.get()).sequenceNumber();
                    starts.add(new Start(id, new ReadStart.AfterSequenceNumber(sequenceNumber)));
                } else if (knownParents.stream().anyMatch(read::contains)) {
                    starts.add(new Start(id, childStart()));
                } else if (settings.startingPosition() == StartingPosition.LATEST && parentsOfSomething.contains(id)) {
                    finished.add(id);
                    changed = true;
                    continue;
                } else {
                    starts.add(new Start(id, initialStart()));
                }
                started.add(id);
                read.add(id);
                changed = true;
            }
        }
        return starts;
    }

    private ReadStart childStart() {
        return settings.startingPosition() == StartingPosition.AT_TIMESTAMP
                ? new ReadStart.AtTimestamp(settings.startingPositionTimestamp())
                : new ReadStart.TrimHorizon();
    }

    private ReadStart initialStart() {
        return switch (settings.startingPosition()) {
            case TRIM_HORIZON -> new ReadStart.TrimHorizon();
            case LATEST -> new ReadStart.Latest();
            case AT_TIMESTAMP -> new ReadStart.AtTimestamp(settings.startingPositionTimestamp());
        };
    }

    @FunctionalInterface
    interface CheckpointLookup {
        Optional<Checkpoint> load(String shardId) throws Exception;
    }
}
