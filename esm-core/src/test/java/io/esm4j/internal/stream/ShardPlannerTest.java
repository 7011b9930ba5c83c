package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.checkpoint.Checkpoint;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parent before child, and where each shard starts (AWS-SEMANTICS §2.2, §7.2; DESIGN "shard state machine"). */
class ShardPlannerTest {

    private static final Instant T = Instant.parse("2024-05-01T12:00:00Z");
    private static final ReadStart TRIM = new ReadStart.TrimHorizon();
    private static final ReadStart LATEST = new ReadStart.Latest();

    private final Map<String, Checkpoint> checkpoints = new HashMap<>();

    private static StreamSettings settings(StartingPosition position) {
        return position == StartingPosition.AT_TIMESTAMP
                ? StreamSettings.builder().startingPositionAtTimestamp(T).build()
                : StreamSettings.builder().startingPosition(position).build();
    }

    private List<ShardPlanner.Start> plan(ShardPlanner planner, Shard... listing) throws Exception {
        return planner.plan(List.of(listing), id -> Optional.ofNullable(checkpoints.get(id)));
    }

    private static Shard child(String id, String... parents) {
        return new Shard(id, List.of(parents));
    }

    private static ShardPlanner.Start start(String id, ReadStart from) {
        return new ShardPlanner.Start(id, from);
    }

    @Test
    void trimHorizonStartsRootsFirstAndChildrenOnlyAfterTheirParentsFinished() throws Exception {
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.TRIM_HORIZON));
        Shard[] listing = {Shard.root("r0"), Shard.root("r1"), child("c2", "r0"), child("c3", "r0"),
                child("m4", "c2", "r1")};

        assertThat(plan(planner, listing)).containsExactly(start("r0", TRIM), start("r1", TRIM));
        // Started shards are not started twice; unfinished parents keep children waiting.
        assertThat(plan(planner, listing)).isEmpty();

        planner.markFinished("r0");
        assertThat(plan(planner, listing)).containsExactly(start("c2", TRIM), start("c3", TRIM));

        // The merge child needs both of its parents.
        planner.markFinished("c2");
        assertThat(plan(planner, listing)).isEmpty();
        planner.markFinished("r1");
        assertThat(plan(planner, listing)).containsExactly(start("m4", TRIM));
        assertThat(plan(planner, listing)).isEmpty();
    }

    @Test
    void aChildListedBeforeItsParentStillWaitsForIt() throws Exception {
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.TRIM_HORIZON));
        Shard[] listing = {child("c1", "r0"), Shard.root("r0")};

        assertThat(plan(planner, listing)).containsExactly(start("r0", TRIM));
        planner.markFinished("r0");
        assertThat(plan(planner, listing)).containsExactly(start("c1", TRIM));
    }

    @Test
    void latestSkipsClosedShardsNeverReadAndStartsOpenLeavesAtLatest() throws Exception {
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.LATEST));
        // r0 split into c1, c2; c1 split into g3, g4. Only c2, g3 and g4 are open.
        Shard[] listing = {Shard.root("r0"), child("c1", "r0"), child("c2", "r0"), child("g3", "c1"),
                child("g4", "c1")};

        assertThat(plan(planner, listing))
                .containsExactlyInAnyOrder(start("c2", LATEST), start("g3", LATEST), start("g4", LATEST));
        assertThat(planner.isFinished("r0")).isTrue();
        assertThat(planner.isFinished("c1")).isTrue();
        assertThat(plan(planner, listing)).isEmpty();
    }

    @Test
    void childOfAShardThisMappingReadStartsAtTrimHorizonEvenWithLatest() throws Exception {
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.LATEST));

        assertThat(plan(planner, Shard.root("r0"))).containsExactly(start("r0", LATEST));

        // r0 is split while being read: its children must not lose what was written after the split.
        Shard[] afterSplit = {Shard.root("r0"), child("c1", "r0"), child("c2", "r0")};
        assertThat(plan(planner, afterSplit)).isEmpty();
        planner.markFinished("r0");
        assertThat(plan(planner, afterSplit)).containsExactly(start("c1", TRIM), start("c2", TRIM));
    }

    @Test
    void childOfAShardReadInAnEarlierRunStartsAtTrimHorizonEvenWithLatest() throws Exception {
        checkpoints.put("r0", Checkpoint.ShardEnd.INSTANCE);
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.LATEST));

        assertThat(plan(planner, Shard.root("r0"), child("c1", "r0"), child("c2", "r0")))
                .containsExactly(start("c1", TRIM), start("c2", TRIM));
        assertThat(planner.isFinished("r0")).isTrue();
    }

    @Test
    void atTimestampChildrenKeepTheTimestamp() throws Exception {
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.AT_TIMESTAMP));
        ReadStart atT = new ReadStart.AtTimestamp(T);
        Shard[] listing = {Shard.root("r0"), child("c1", "r0"), child("c2", "r0")};

        assertThat(plan(planner, listing)).containsExactly(start("r0", atT));
        planner.markFinished("r0");
        assertThat(plan(planner, listing)).containsExactly(start("c1", atT), start("c2", atT));
    }

    @Test
    void restartResumesAfterTheCheckpointedSequenceNumber() throws Exception {
        checkpoints.put("r0", new Checkpoint.AtSequenceNumber("0042"));
        checkpoints.put("c1", new Checkpoint.AtSequenceNumber("0100"));
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.LATEST));
        Shard[] listing = {Shard.root("r0"), Shard.root("r1"), child("c1", "r0")};

        // A checkpoint wins over the starting position; a checkpointed child still waits for its parent.
        assertThat(plan(planner, listing))
                .containsExactly(start("r0", new ReadStart.AfterSequenceNumber("0042")), start("r1", LATEST));
        planner.markFinished("r0");
        assertThat(plan(planner, listing))
                .containsExactly(start("c1", new ReadStart.AfterSequenceNumber("0100")));
    }

    @Test
    void aShardEndCheckpointMeansFinished() throws Exception {
        checkpoints.put("r0", Checkpoint.ShardEnd.INSTANCE);
        checkpoints.put("c1", Checkpoint.ShardEnd.INSTANCE);
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.TRIM_HORIZON));

        // Listed child-first: g2's grandparent and parent are both done in an earlier run.
        assertThat(plan(planner, child("g2", "c1"), child("c1", "r0"), Shard.root("r0")))
                .containsExactly(start("g2", TRIM));
        assertThat(planner.isFinished("r0")).isTrue();
        assertThat(planner.isFinished("c1")).isTrue();
        assertThat(planner.isFinished("g2")).isFalse();
    }

    @Test
    void parentsAbsentFromTheListingDoNotBlock() throws Exception {
        ShardPlanner planner = new ShardPlanner(settings(StartingPosition.TRIM_HORIZON));

        // r0 and r1 were trimmed away; of the merge child's parents only c2 is still listed.
        Shard[] listing = {child("c1", "r0"), child("c2", "r1"), child("m3", "c2", "gone")};
        assertThat(plan(planner, listing)).containsExactly(start("c1", TRIM), start("c2", TRIM));
        planner.markFinished("c2");
        assertThat(plan(planner, listing)).containsExactly(start("m3", TRIM));
    }
}
