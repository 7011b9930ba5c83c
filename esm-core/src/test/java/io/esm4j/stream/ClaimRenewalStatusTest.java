package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencySettings;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.InMemoryStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A failing renewal of the claims of a running handler shows in the mapping's state transition reason (the records
 * may be processed by another consumer once the claims lapse), and clears when a renewal succeeds again or the
 * handler returns; the store's message, which may quote a key, is not shown.
 */
class ClaimRenewalStatusTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PROBLEM = "PROBLEM: extending idempotency claims failed";

    /** An in-memory store whose extensions fail while {@link #down}, with the key in the message, as a client's may. */
    private static final class RenewalFailingStore extends ForwardingIdempotencyStore {
        final AtomicBoolean down = new AtomicBoolean(true);
        final AtomicInteger extensions = new AtomicInteger();

        RenewalFailingStore() {
            super(new InMemoryIdempotencyStore(100, Clock.systemUTC()));
        }

        @Override
        public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
            if (down.get()) {
                throw new IllegalStateException("timed out writing key " + key);
            }
            extensions.incrementAndGet();
            return super.extend(key, payloadHash, owner, expiry);
        }
    }

    /**
     * A store whose extension throws an Error that is no failing JVM's (an AssertionError of its own, say) fails the
     * renewal as any store error does: shown, and retried. It ended the renewal's thread, and the claims lapsed under
     * the running handler with nothing shown.
     */
    @Test
    void aRenewalThatMeetsAnErrorIsShownAndRetried() throws Exception {
        InMemoryStream stream = InMemoryStream.create("renewal-error", 1);
        stream.put("k", "r0");
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger extensions = new AtomicInteger();
        IdempotencyStore store = new ForwardingIdempotencyStore(new InMemoryIdempotencyStore(100, Clock.systemUTC())) {
            @Override
            public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
                if (failing.get()) {
                    throw new AssertionError("the store's own check failed");
                }
                extensions.incrementAndGet();
                return super.extend(key, payloadHash, owner, expiry);
            }
        };
        CountDownLatch finish = new CountDownLatch(1);
        Idempotency<StreamRecord<byte[]>> idempotency = Idempotency.<StreamRecord<byte[]>>of(store)
                .withSettings(IdempotencySettings.builder().inProgressExpiry(Duration.ofSeconds(1)).build());
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("renewal-error", stream, batch -> {
            assertThat(finish.await(60, TimeUnit.SECONDS)).isTrue();
            return BatchResult.success();
        }).settings(Streams.fast().build()).idempotency(idempotency).build();
        mapping.start();
        try {
            await().atMost(WAIT).until(() -> mapping.stateTransitionReason().startsWith(PROBLEM));
            assertThat(mapping.stateTransitionReason()).contains(AssertionError.class.getName())
                    .doesNotContain("the store's own check failed");

            failing.set(false);
            await().atMost(WAIT).until(() -> extensions.get() > 0
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
        } finally {
            finish.countDown();
            Streams.stopQuietly(mapping);
        }
    }

    /**
     * A store whose extension meets a fatal error (a broken class path: a class only its extend needs) ends the
     * renewal: that is shown while the handler runs, and once the handler returns the mapping stops on the engine's
     * fatal path, as when the handler's thread meets such an error. The error ended the renewal's thread unseen: the
     * claims lapsed under the running handler, nothing in the status, and the mapping ran on.
     */
    @Test
    void aRenewalThatMeetsAFatalErrorIsShownAndStopsTheMappingOnceTheHandlerReturns() throws Exception {
        InMemoryStream stream = InMemoryStream.create("renewal-fatal", 1);
        stream.put("k", "r0");
        IdempotencyStore store = new ForwardingIdempotencyStore(new InMemoryIdempotencyStore(100, Clock.systemUTC())) {
            @Override
            public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
                throw new NoClassDefFoundError("injected: a class the store's extend needs");
            }
        };
        CountDownLatch finish = new CountDownLatch(1);
        Idempotency<StreamRecord<byte[]>> idempotency = Idempotency.<StreamRecord<byte[]>>of(store)
                .withSettings(IdempotencySettings.builder().inProgressExpiry(Duration.ofSeconds(1)).build());
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("renewal-fatal", stream, batch -> {
            assertThat(finish.await(60, TimeUnit.SECONDS)).isTrue();
            return BatchResult.success();
        }).settings(Streams.fast().build()).idempotency(idempotency).build();
        mapping.start();
        try {
            await().atMost(WAIT).until(() -> mapping.stateTransitionReason().startsWith(PROBLEM));
            assertThat(mapping.stateTransitionReason()).contains(NoClassDefFoundError.class.getName())
                    .doesNotContain("injected");

            finish.countDown();
            await().atMost(WAIT).until(() -> mapping.state() == MappingState.DISABLED);
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: stopped after a fatal error in shard ")
                    .contains(NoClassDefFoundError.class.getName());
        } finally {
            finish.countDown();
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aFailingRenewalShowsInTheStatusUntilARenewalSucceedsOrTheHandlerReturns() throws Exception {
        InMemoryStream stream = InMemoryStream.create("renewal", 1);
        StreamRecord<byte[]> record = stream.put("k", "r0");
        stream.put("k", "r1");
        RenewalFailingStore store = new RenewalFailingStore();
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger invocations = new AtomicInteger();
        // Claims of 1 s, renewed every third of a second while the handler runs.
        Idempotency<StreamRecord<byte[]>> idempotency = Idempotency.<StreamRecord<byte[]>>of(store)
                .withSettings(IdempotencySettings.builder().inProgressExpiry(Duration.ofSeconds(1)).build());
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("renewal", stream, batch -> {
            invocations.incrementAndGet();
            // The first batch waits for the test; a second (r1, if batched apart) returns at once.
            if (invocations.get() == 1) {
                assertThat(finish.await(60, TimeUnit.SECONDS)).isTrue();
            }
            return BatchResult.success();
        }).settings(Streams.fast().batchSize(1).build()).idempotency(idempotency).build();
        mapping.start();
        try {
            await().atMost(WAIT).until(() -> invocations.get() == 1);
            await().atMost(WAIT).until(() -> mapping.stateTransitionReason().startsWith(PROBLEM));
            assertThat(mapping.stateTransitionReason()).doesNotContain(stream.naturalId(record))
                    .contains(IllegalStateException.class.getName()).contains("every third of their lifetime 1 s ");

            // The store answers again: the next renewal clears the problem while the handler still runs.
            store.down.set(false);
            await().atMost(WAIT).until(() -> store.extensions.get() > 0
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(invocations.get()).isEqualTo(1);

            // It fails again, and the handler returns: the renewal ends, and its problem with it.
            store.down.set(true);
            await().atMost(WAIT).until(() -> mapping.stateTransitionReason().startsWith(PROBLEM));
            finish.countDown();
            await().atMost(WAIT).until(() -> invocations.get() == 2);
            await().atMost(WAIT).until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        } finally {
            finish.countDown();
            Streams.stopQuietly(mapping);
        }
    }
}
