package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryQueueConcurrencyTest {

    private static final int MESSAGES = 20_000;
    private static final int THREADS = 8;
    private static final Duration WAIT = Duration.ofMillis(50);

    private final MutableClock clock = new MutableClock(T0);
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 4);

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void concurrentSendersReceiversAndDeletersDeleteEveryMessageExactlyOnce() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("stress").clock(clock).build();
        Map<String, AtomicInteger> deletions = new ConcurrentHashMap<>();
        AtomicInteger deleted = new AtomicInteger();
        List<Future<?>> tasks = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            int sender = s;
            tasks.add(pool.submit(() -> IntStream.range(0, MESSAGES / 4).forEach(i -> queue.send(sender + "-" + i))));
        }
        for (int r = 0; r < THREADS; r++) {
            tasks.add(pool.submit((Callable<Void>) () -> {
                while (deleted.get() < MESSAGES) {
                    List<QueueMessage<SqsLikeMessage>> batch = queue.receive(10, WAIT);
                    if (batch.isEmpty()) {
                        continue;
                    }
                    assertThat(queue.delete(batch)).isEmpty();
                    batch.forEach(m -> deletions.computeIfAbsent(m.payload().body(), b -> new AtomicInteger())
                            .incrementAndGet());
                    deleted.addAndGet(batch.size());
                }
                return null;
            }));
        }
        for (Future<?> task : tasks) {
            task.get();
        }

        assertThat(deletions).hasSize(MESSAGES);
        assertThat(deletions.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        assertThat(queue.size()).isZero();
    }

    @Test
    void withRedeliveriesAndStaleHandlesEachMessageIsStillDeletedExactlyOnce() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("stress").clock(clock).build();
        IntStream.range(0, MESSAGES).forEach(i -> queue.send("m" + i));
        Set<String> deletedBodies = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger redeliveries = new AtomicInteger();
        List<Future<?>> tasks = new ArrayList<>();
        for (int r = 0; r < THREADS; r++) {
            tasks.add(pool.submit((Callable<Void>) () -> {
                while (deletedBodies.size() < MESSAGES) {
                    List<QueueMessage<SqsLikeMessage>> batch = queue.receive(10, WAIT);
                    if (ThreadLocalRandom.current().nextInt(10) == 0) {
                        // Abandon the batch and end every visibility timeout: other threads' handles go stale.
                        clock.advance(Duration.ofSeconds(30));
                        continue;
                    }
                    if (batch.isEmpty()) {
                        continue;
                    }
                    List<EntryFailure> failures = queue.delete(batch);
                    assertThat(failures).allSatisfy(f -> assertThat(f.code()).isEqualTo("ReceiptHandleIsInvalid"));
                    Set<Integer> failed = failures.stream().map(EntryFailure::index).collect(Collectors.toSet());
                    for (int i = 0; i < batch.size(); i++) {
                        if (!"1".equals(QueueTestSupport.receiveCount(batch.get(i)))) {
                            redeliveries.incrementAndGet();
                        }
                        if (!failed.contains(i) && !deletedBodies.add(batch.get(i).payload().body())) {
                            duplicates.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> task : tasks) {
            task.get();
        }

        assertThat(duplicates).hasValue(0);
        assertThat(redeliveries.get()).isPositive();
        assertThat(deletedBodies).hasSize(MESSAGES);
        assertThat(queue.size()).isZero();
    }

    @Test
    void concurrentFifoConsumersSeeEveryGroupInSendOrder() throws Exception {
        int groups = 20;
        int perGroup = 500;
        InMemoryQueue queue = InMemoryQueue.fifo("stress.fifo").clock(clock).build();
        for (int i = 0; i < perGroup; i++) {
            for (int g = 0; g < groups; g++) {
                queue.send(Integer.toString(i), "g" + g, g + "-" + i);
            }
        }
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        AtomicInteger deleted = new AtomicInteger();
        List<Future<?>> tasks = new ArrayList<>();
        for (int r = 0; r < THREADS; r++) {
            tasks.add(pool.submit((Callable<Void>) () -> {
                while (deleted.get() < groups * perGroup) {
                    List<QueueMessage<SqsLikeMessage>> batch = queue.receive(10, WAIT);
                    if (batch.isEmpty()) {
                        continue;
                    }
                    // Recorded before the delete, which is what unlocks the group for the next consumer.
                    for (QueueMessage<SqsLikeMessage> m : batch) {
                        seen.computeIfAbsent(m.messageGroupId(), g -> new ArrayList<>())
                                .add(Integer.parseInt(m.payload().body()));
                    }
                    assertThat(queue.delete(batch)).isEmpty();
                    deleted.addAndGet(batch.size());
                }
                return null;
            }));
        }
        for (Future<?> task : tasks) {
            task.get();
        }

        List<Integer> inOrder = IntStream.range(0, perGroup).boxed().toList();
        assertThat(seen).hasSize(groups);
        assertThat(seen.values()).allSatisfy(bodies -> assertThat(bodies).isEqualTo(inOrder));
        assertThat(queue.size()).isZero();
    }
}
