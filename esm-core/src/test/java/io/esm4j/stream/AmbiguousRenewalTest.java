package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A renewal the store made but whose answer was lost, recognised as the worker's own when its retry is refused,
 * renewed the lease when its first attempt was made, not when the retry was: other workers see the counter stand
 * still from that first write on. The holder must count from that attempt, or it would go on reading after another
 * worker took the lease, although the renewal call stayed within the documented allowance (0.4 FailoverTime).
 */
class AmbiguousRenewalTest {

    private static final String NAME = "ambiguous-renewal";
    // FailoverTime 4 s: renewals every 1.33 s, checks every 667 ms; a holder that cannot renew stops 2.93 s (plus one
    // check) after its last renewal started, another worker takes the lease 4 s after it last moved.
    private static final Duration FAILOVER = Duration.ofSeconds(4);
    // Longer than one check, shorter than two: the retry comes at the second check after the first attempt.
    private static final Duration LOST_ANSWER_AFTER = Duration.ofMillis(900);
    // A renewal that started this soon after the one before is on time (a third of FailoverTime, 1.33 s).
    private static final Duration ON_TIME = Duration.ofMillis(1450);

    private final InMemoryLeaseStore shared = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create(NAME, 1);
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();
    private Thread producer;

    @AfterEach
    void stopAll() throws InterruptedException {
        if (producer != null) {
            producer.interrupt();
            producer.join();
        }
        started.forEach(Streams::stopQuietly);
    }

    private EventSourceMapping<byte[]> worker(String id, ForwardingLeaseStore store, Queue<Long> invokedAt,
                                              RetainingMeterRegistry registry) {
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            invokedAt.add(System.nanoTime());
            return BatchResult.success();
        });
        StreamSettings settings = Streams.fast().failoverTime(FAILOVER).build();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler).settings(settings)
                .leaseStore(store).workerId(id).meterRegistry(registry).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    @Test
    void aRenewalRecognisedAfterALostAnswerCountsFromItsFirstAttempt() {
        Queue<Long> firstInvokedAt = new ConcurrentLinkedQueue<>();
        Queue<Long> secondInvokedAt = new ConcurrentLinkedQueue<>();
        RetainingMeterRegistry firstRegistry = new RetainingMeterRegistry();
        LosingThenCutOff first = new LosingThenCutOff(shared);
        TakeTimes second = new TakeTimes(shared);
        EventSourceMapping<byte[]> w1 = worker("w1", first, firstInvokedAt, firstRegistry);
        await().until(() -> w1.shards().stream().anyMatch(s -> "w1".equals(s.owner())));
        producer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; ; i++) {
                    stream.put("k" + i % 8, "r" + i);
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        await().until(() -> !firstInvokedAt.isEmpty());
        worker("w2", second, secondInvokedAt, new RetainingMeterRegistry());

        // w1's next renewal is made but answered with an error 1.5 s later; its retry is refused and recognised as
        // w1's own; from then on w1 cannot reach the store. w2 takes the lease once it stood still for FailoverTime.
        first.arm();
        await().atMost(Duration.ofSeconds(30)).until(() -> second.takenAt.get() != 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> firstRegistry.get(MetricNames.LEASES_LOST).counter()
                .count() >= 1);
        await().until(() -> !secondInvokedAt.isEmpty());

        long takenAt = second.takenAt.get();
        assertThat(first.retryRecognised.get()).as("the retry was refused, showing w1's own write").isTrue();
        assertThat(firstInvokedAt).as("w1 invoked the handler after w2 had taken the lease")
                .allSatisfy(at -> assertThat(at).isLessThan(takenAt));
    }

    /**
     * w1's view of the store: once armed, its next renewal that comes on time is made and then answered with an
     * error after {@link #LOST_ANSWER_AFTER}; the renewal after that (its retry) reaches the store, and then every
     * call fails.
     */
    private static final class LosingThenCutOff extends ForwardingLeaseStore {
        private final AtomicBoolean armed = new AtomicBoolean();
        private final AtomicBoolean retryDue = new AtomicBoolean();
        private final AtomicBoolean retryRecognised = new AtomicBoolean();
        private volatile boolean cutOff;
        private volatile long previousRenewal;

        LosingThenCutOff(InMemoryLeaseStore shared) {
            super(shared);
        }

        void arm() {
            armed.set(true);
        }

        private void reach() {
            if (cutOff) {
                throw new IllegalStateException("the lease store cannot be reached");
            }
        }

        @Override
        public LeaseWrite renew(Lease held) throws Exception {
            reach();
            long start = System.nanoTime();
            long sincePrevious = start - previousRenewal;
            previousRenewal = start;
            // Armed on a renewal that started on time, a third of FailoverTime after the one before: its retry then
            // comes two checks later (its first attempt still runs at the first), before the holder gives up.
            if (sincePrevious < ON_TIME.toNanos() && armed.compareAndSet(true, false)) {
                super.renew(held);
                Thread.sleep(LOST_ANSWER_AFTER.toMillis());
                retryDue.set(true);
                throw new IllegalStateException("the answer was lost after the renewal was made");
            }
            if (retryDue.compareAndSet(true, false)) {
                LeaseWrite retried = super.renew(held);
                retryRecognised.set(retried instanceof LeaseWrite.Lost lost && lost.current() != null
                        && "w1".equals(lost.current().owner()) && lost.current().counter() == held.counter() + 1);
                cutOff = true;
                return retried;
            }
            return super.renew(held);
        }

        @Override
        public List<Lease> list(String mapping) throws Exception {
            reach();
            return super.list(mapping);
        }

        @Override
        public LeaseWrite take(Lease seen, String worker) throws Exception {
            reach();
            return super.take(seen, worker);
        }

        @Override
        public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
            reach();
            return super.checkpoint(held, checkpoint);
        }

        @Override
        public LeaseWrite release(Lease held) throws Exception {
            reach();
            return super.release(held);
        }

        @Override
        public LeaseWrite requestHandoff(Lease seen, String worker) throws Exception {
            reach();
            return super.requestHandoff(seen, worker);
        }
    }

    /** w2's view of the store: notes when its first take was made. */
    private static final class TakeTimes extends ForwardingLeaseStore {
        private final AtomicLong takenAt = new AtomicLong();

        TakeTimes(InMemoryLeaseStore shared) {
            super(shared);
        }

        @Override
        public LeaseWrite take(Lease seen, String worker) throws Exception {
            long before = System.nanoTime();
            LeaseWrite taken = super.take(seen, worker);
            if (taken instanceof LeaseWrite.Written) {
                takenAt.compareAndSet(0, before);
            }
            return taken;
        }
    }
}
