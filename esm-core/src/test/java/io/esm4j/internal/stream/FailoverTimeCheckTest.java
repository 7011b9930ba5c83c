package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.MappingState;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What one worker (w1, FailoverTime 10 s) makes of the FailoverTimes other workers' leases show, listing by listing. */
class FailoverTimeCheckTest {

    private static final Duration OWN = Duration.ofSeconds(10);

    private final MappingStatus status = new MappingStatus();
    private final EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), "m", EngineMetrics.Kind.STREAM);
    private FailoverTimeCheck check;

    @BeforeEach
    void setUp() {
        status.advance(MappingState.CREATING, MappingState.ENABLED, "started");
        StreamSettings settings = StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .failoverTime(OWN).build();
        check = new FailoverTimeCheck(new StreamContext<Object>("m", "w1", settings, null, null, null, null, null,
                metrics, null, null, status, null));
    }

    private static Lease lease(String shardId, @Nullable String owner, long counter, @Nullable Duration failoverTime) {
        return new Lease("m", shardId, owner, counter, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0, null,
                failoverTime);
    }

    /** The warnings logged, as FailoverTimeMismatches counts them. */
    private double warnings() {
        return metrics.failoverTimeMismatches.count();
    }

    @Test
    void anotherValueIsLoggedOncePerWorkerAndValueAndShownWhileAListedLeaseShowsIt() {
        Duration longer = Duration.ofSeconds(30);
        for (int renewal = 0; renewal < 5; renewal++) {
            check.check(List.of(lease("s1", "w2", 10 + renewal, longer), lease("s2", "w2", 20 + renewal, longer),
                    lease("s3", "w1", 5 + renewal, OWN)));
        }
        assertThat(warnings()).isOne();
        assertThat(status.stateTransitionReason()).isEqualTo("PROBLEM: FailoverTime differs between workers: worker "
                + "w2 has 30000 ms (lease of shard s1), this worker (w1) has 10000 ms; every worker sharing a lease "
                + "store must have the same FailoverTime");

        // A third worker with yet another value, and w2 restarted with a third one: each logged once more.
        check.check(List.of(lease("s1", "w2", 30, Duration.ofSeconds(5)), lease("s2", "w3", 1, Duration.ofSeconds(5))));
        check.check(List.of(lease("s1", "w2", 31, Duration.ofSeconds(5)), lease("s2", "w3", 2, Duration.ofSeconds(5))));
        assertThat(warnings()).isEqualTo(3);
        assertThat(status.stateTransitionReason()).contains("worker w2 has 5000 ms (lease of shard s1)",
                "worker w3 has 5000 ms (lease of shard s2)", "this worker (w1) has 10000 ms");

        // w1 took the leases: nothing shows another value any more.
        check.check(List.of(lease("s1", "w1", 32, OWN), lease("s2", null, 3, null)));
        assertThat(status.stateTransitionReason()).isEqualTo("started");
    }

    @Test
    void leasesWithoutAValueTheSameValueOrInThisWorkersOwnNameShowNothing() {
        // w4's differs by less than a millisecond, which the durable stores do not keep: the same value.
        check.check(List.of(lease("s1", "w2", 10, null), lease("s2", "w3", 4, OWN), lease("s3", null, 2, null),
                lease("s5", "w4", 3, OWN.plusNanos(400)),
                // Another process with this worker's id is the clash check's business.
                lease("s4", "w1", 7, Duration.ofSeconds(1))));
        assertThat(warnings()).isZero();
        assertThat(status.stateTransitionReason()).isEqualTo("started");
    }
}
