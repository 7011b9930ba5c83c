package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lease renewals run on lease threads every stream mapping of the JVM shares. A fatal error in one mapping's renewal
 * stops that mapping, as one in its coordinator does (DISABLED, the error named, its leases released); the other
 * mappings on the same threads go on. Any other failure of a renewal is retried and shown, as before.
 */
class FatalRenewalTest {

    private static final int SHARDS = 2;

    private final InMemoryStream failingStream = InMemoryStream.create("fatal-renewal", SHARDS);
    private final InMemoryStream otherStream = InMemoryStream.create("fatal-renewal-other", SHARDS);
    private final FailingRenewals failingStore = new FailingRenewals(new InMemoryLeaseStore());
    private final InMemoryLeaseStore otherStore = new InMemoryLeaseStore();
    private final RecordingHandler<byte[]> otherHandler = RecordingHandler.<byte[]>succeeding();
    private EventSourceMapping<byte[]> failing;
    private EventSourceMapping<byte[]> other;

    @AfterEach
    void stop() {
        failingStore.failure = null;
        for (EventSourceMapping<byte[]> mapping : new EventSourceMapping[] {failing, other}) {
            if (mapping != null) {
                Streams.stopQuietly(mapping);
            }
        }
    }

    private EventSourceMapping<byte[]> start(InMemoryStream stream, ForwardingLeaseStore store,
                                             RecordingHandler<byte[]> handler) {
        // FailoverTime 3 s: renewals every second.
        String name = stream.streamArn().substring(stream.streamArn().lastIndexOf('/') + 1);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(3)).build()).leaseStore(store)
                .workerId("w1").build();
        mapping.start();
        await().until(() -> mapping.shards().stream().filter(s -> "w1".equals(s.owner())).count() == SHARDS);
        return mapping;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"java.lang.OutOfMemoryError", "java.lang.NoClassDefFoundError"})
    void aFatalErrorInARenewalStopsThatMappingOnlyAndReleasesItsLeases(String errorClass) {
        failing = start(failingStream, failingStore, RecordingHandler.succeeding());
        other = start(otherStream, new ForwardingLeaseStore(otherStore) { }, otherHandler);

        failingStore.failure = errorClass.equals("java.lang.OutOfMemoryError")
                ? () -> new OutOfMemoryError("simulated") : () -> new NoClassDefFoundError("io/example/Missing");

        await().until(() -> failing.state() == MappingState.DISABLED);
        assertThat(failing.stateTransitionReason())
                .startsWith("PROBLEM: stopped after a fatal error in lease renewer: " + errorClass);
        // Given up: released by the stop, for another worker to take at once.
        assertThat(failingStore.inner.list(failing.name())).allSatisfy(l -> assertThat(l.owner()).isNull());

        // The mapping that shares the lease threads goes on renewing and processing.
        Map<String, Long> counters = counters(otherStore, other.name());
        await().until(() -> counters(otherStore, other.name()).entrySet().stream()
                .allMatch(e -> e.getValue() >= counters.get(e.getKey()) + 2));
        otherStream.put("k", "after the other mapping's fatal error");
        await().until(() -> otherHandler.succeeded().size() == 1);
        assertThat(other.state()).isEqualTo(MappingState.ENABLED);
        assertThat(otherStore.list(other.name())).allSatisfy(l -> assertThat(l.owner()).isEqualTo("w1"));
    }

    /** Only a failing JVM or class path is fatal (as everywhere in the engine); anything else is retried and shown. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"IllegalStateException", "AssertionError", "StackOverflowError"})
    void anyOtherRenewalFailureIsRetriedAndShown(String name) {
        failing = start(failingStream, failingStore, RecordingHandler.succeeding());

        failingStore.failure = () -> switch (name) {
            case "IllegalStateException" -> new IllegalStateException("throttled");
            case "AssertionError" -> new AssertionError("a store's bug");
            default -> new StackOverflowError("too deep");
        };
        await().until(() -> failing.stateTransitionReason().startsWith("PROBLEM: renewing the lease of shard"));
        assertThat(failing.stateTransitionReason()).contains(name);
        int failed = failingStore.failed.size();

        failingStore.failure = null;
        await().until(() -> !failing.stateTransitionReason().startsWith("PROBLEM: "));
        assertThat(failed).isPositive();
        assertThat(failing.state()).isEqualTo(MappingState.ENABLED);
        await().until(() -> failing.shards().stream().filter(s -> "w1".equals(s.owner())).count() == SHARDS);
    }

    private static Map<String, Long> counters(InMemoryLeaseStore store, String mapping) {
        Map<String, Long> counters = new ConcurrentHashMap<>();
        store.list(mapping).forEach(l -> counters.put(l.shardId(), l.counter()));
        return counters;
    }

    /** The in-memory store, whose renewals throw what {@link #failure} makes while it is set. */
    private static final class FailingRenewals extends ForwardingLeaseStore {
        final InMemoryLeaseStore inner;
        final Map<String, Boolean> failed = new ConcurrentHashMap<>();
        volatile Supplier<? extends Throwable> failure;

        FailingRenewals(InMemoryLeaseStore inner) {
            super(inner);
            this.inner = inner;
        }

        @Override
        public LeaseWrite renew(Lease held) throws Exception {
            Supplier<? extends Throwable> fails = failure;
            if (fails != null) {
                failed.put(held.shardId(), true);
                Throwable thrown = fails.get();
                if (thrown instanceof Error error) {
                    throw error;
                }
                throw (Exception) thrown;
            }
            return super.renew(held);
        }
    }
}
