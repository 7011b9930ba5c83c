package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The listing that confirms a parent trimmed before the mapping knew it comes soon: until then the parent's children
 * have no lease, and a fresh start at LATEST on a stream older than its retention would begin that much later.
 */
class ShardSyncTest {

    @ParameterizedTest
    @EnumSource(value = StartingPosition.class, names = {"TRIM_HORIZON", "LATEST"})
    void aShardWaitingForAMissedParentIsListedAgainSoonerThanShardSyncInterval(StartingPosition position)
            throws Exception {
        InMemoryStream stream = InMemoryStream.create("trimmed-parent", 1);
        String parent = stream.openShardIds().getFirst();
        stream.split(parent);
        stream.trim(parent);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        ShardSync sync = new ShardSync(context(stream, leases, StreamSettings.builder().startingPosition(position)
                .shardSyncInterval(Duration.ofMinutes(5)).build()));

        sync.sync();
        long synced = System.nanoTime();

        assertThat(leases.list("trimmed-parent")).as("children wait for the missed parent").isEmpty();
        assertThat(sync.nextSyncNanos() - synced).as("the confirming listing is due within")
                .isLessThanOrEqualTo(ShardSync.PARENT_CONFIRMATION_NANOS);

        sync.sync();

        assertThat(leases.list("trimmed-parent")).extracting(Lease::shardId)
                .containsExactlyInAnyOrderElementsOf(stream.openShardIds());
        long after = System.nanoTime();
        assertThat(sync.nextSyncNanos() - after).as("nothing waits: the next listing after ShardSyncInterval")
                .isGreaterThan(Duration.ofMinutes(4).toNanos());
    }

    private static StreamContext<byte[]> context(InMemoryStream stream, InMemoryLeaseStore leases,
                                                 StreamSettings settings) {
        EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), "trimmed-parent",
                EngineMetrics.Kind.STREAM);
        MappingStatus status = new MappingStatus();
        Invoker<StreamRecord<byte[]>> invoker = new Invoker<>("trimmed-parent", batch -> BatchResult.success(), null,
                stream::naturalId, stream::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics,
                status);
        return new StreamContext<>("trimmed-parent", "worker", settings, stream,
                new RecordFilter<>(FilterCriteria.none(), stream, "trimmed-parent"), leases, failure -> { }, invoker,
                metrics, Clock.systemUTC(), new RetryBackoff(settings.retryBackoffInitial(),
                settings.retryBackoffMax()), status, null);
    }
}
