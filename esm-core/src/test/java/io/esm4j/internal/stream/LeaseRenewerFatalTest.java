package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A fatal error in a renewer's check (on the lease clock every mapping shares) goes to the engine's fatal path once,
 * and the checks go on: rethrown, it ended them for good, unseen, with the mapping still running.
 */
class LeaseRenewerFatalTest {

    private static final String NAME = "renewer-fatal";

    @Test
    void aFatalErrorInACheckIsHandedToTheFatalPathAndTheChecksGoOn() {
        AtomicInteger checks = new AtomicInteger();
        Queue<Throwable> fatal = new ConcurrentLinkedQueue<>();
        StreamSettings settings = StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .failoverTime(Duration.ofSeconds(3)).build();
        LeaseRenewer renewer = new LeaseRenewer(context(settings), () -> {
            if (checks.incrementAndGet() <= 2) {
                throw new OutOfMemoryError("simulated");
            }
            return List.of();
        }, fatal::add);
        renewer.start();
        try {
            await().until(() -> checks.get() >= 4);
        } finally {
            renewer.stop();
        }
        assertThat(fatal).singleElement().isInstanceOf(OutOfMemoryError.class);
    }

    private static StreamContext<byte[]> context(StreamSettings settings) {
        InMemoryStream stream = InMemoryStream.create(NAME, 1);
        EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), NAME, EngineMetrics.Kind.STREAM);
        MappingStatus status = new MappingStatus();
        Invoker<StreamRecord<byte[]>> invoker = new Invoker<>(NAME, batch -> BatchResult.success(), null,
                stream::naturalId, stream::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics,
                status);
        return new StreamContext<>(NAME, "worker", settings, stream, new RecordFilter<>(FilterCriteria.none(), stream,
                NAME), new InMemoryLeaseStore(), failure -> { }, invoker, metrics, Clock.systemUTC(),
                new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()), status, null);
    }
}
