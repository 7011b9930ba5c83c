package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many idle stream mappings in one JVM, as a worker with hundreds of mappings runs them: what each one costs in
 * platform threads. Counts threads, never time: a renewal round must not start a thread (at 300 mappings, a check
 * every FailoverTime / 6 would start some 180 a second), and the renewers and coordinators of all mappings share
 * their threads (a renewer and a coordinator thread per mapping were 600 sleeping threads for 300 mappings).
 */
class ManyMappingsThreadsTest {

    private static final int MAPPINGS = 40;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final AtomicInteger renewals = new AtomicInteger();
    private final List<EventSourceMapping<byte[]>> mappings = new ArrayList<>();

    @AfterEach
    void stop() {
        mappings.forEach(Streams::stopQuietly);
    }

    private void startIdleMappings() {
        // FailoverTime 3 s: renewals every second, checks every 500 ms, and 60 ms (FailoverTime / 50) for a round's
        // renewals to start on one thread before each gets a thread of its own, which a busy machine could otherwise
        // cause without any regression; no records, so nothing else runs.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(3))
                .shardSyncInterval(Duration.ofSeconds(30)).build();
        ForwardingLeaseStore store = new ForwardingLeaseStore(new InMemoryLeaseStore()) {
            @Override
            public LeaseWrite renew(Lease held) throws Exception {
                renewals.incrementAndGet();
                return super.renew(held);
            }
        };
        for (int i = 0; i < MAPPINGS; i++) {
            String name = "many-" + i;
            EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, InMemoryStream.create(name, 1),
                    RecordingHandler.<byte[]>succeeding()).settings(settings).leaseStore(store).workerId("w1").build();
            mappings.add(mapping);
            mapping.start();
        }
        awaitUntil(() -> mappings.stream().allMatch(m -> m.shards().stream().anyMatch(s -> "w1".equals(s.owner()))));
    }

    @Test
    void renewalRoundsStartNoThreads() {
        startIdleMappings();
        int renewalsBefore = renewals.get();
        long startedBefore = THREADS.getTotalStartedThreadCount();

        // Five renewals of every lease: five rounds of every mapping's renewer.
        awaitUntil(() -> renewals.get() >= renewalsBefore + 5 * MAPPINGS);

        long started = THREADS.getTotalStartedThreadCount() - startedBefore;
        assertThat(started).as("platform threads started during %d renewal rounds", 5 * MAPPINGS)
                .isLessThan(MAPPINGS / 2);
    }

    @Test
    void idleMappingsHaveNoPlatformThreadOfTheirOwn() {
        long before = THREADS.getThreadCount();
        startIdleMappings();
        // Virtual threads are not counted: the shards' readers, committers and supervisors are, and stay, virtual.
        long added = THREADS.getThreadCount() - before;
        // A thread a mapping (or more) before; the shared pool may grow for the burst of first rounds, by far less.
        assertThat(added).as("platform threads alive for %d idle mappings", MAPPINGS).isLessThan(MAPPINGS / 2);
    }

    /** Waits without Awaitility, which would start threads of its own while they are counted. */
    private static void awaitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not met within 30 s").isNegative();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
