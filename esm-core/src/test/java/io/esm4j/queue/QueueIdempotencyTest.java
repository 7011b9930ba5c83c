package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyKey;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.IdempotencySettings;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deduplication on a queue: redelivered or duplicated messages are deleted without reaching the handler again. */
class QueueIdempotencyTest {

    private final MutableClock clock = MutableClock.startingNow();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000, clock);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    @AfterEach
    void stop() throws InterruptedException {
        mapping.stop(Duration.ofSeconds(10));
    }

    private double deduplicated() {
        return meters.counter(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT, MetricNames.MAPPING_TAG, "dedup").count();
    }

    @Test
    void aMessageRedeliveredAfterAFailedDeleteIsNotHandledTwice() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofSeconds(30))
                .build();
        String id = queue.send("once").messageId();
        queue.failEntries(InMemoryQueue.Operation.DELETE, id, 3);
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().build()).idempotency(Idempotency.of(store))
                .meterRegistry(meters).clock(clock).build();
        mapping.start();
        await().until(() -> meters.counter(MetricNames.DELETE_ERROR_COUNT, MetricNames.MAPPING_TAG, "dedup")
                .count() == 1);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("once");
        assertThat(deduplicated()).isEqualTo(1);
    }

    /** A store that cannot be reached leaves the messages in the queue, and says so in the status. */
    @Test
    void anIdempotencyStoreThatFailsShowsInTheLastProcessingResult() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("first");
        Switchable flaky = new Switchable(store, true);
        AtomicBoolean down = flaky.down;
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().build()).idempotency(Idempotency.of(flaky))
                .meterRegistry(meters).clock(clock).build();
        mapping.start();
        await().until(() -> queue.size() == 0);
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");

        down.set(true);
        queue.send("second");
        await().until(() -> mapping.lastProcessingResult().equals("PROBLEM: Idempotency store failed"));
        assertThat(handler.bodies()).containsExactly("first");
        assertThat(queue.size()).isEqualTo(1);
    }

    /**
     * A consumer that crashed while its handler ran (no more claim extensions, no more visibility heartbeat) holds its
     * keys only until its messages come back: a claim outliving the visibility timeout made each redelivery meet it
     * in progress elsewhere, so the message used up receives (and, with a redrive policy, went to the DLQ) without
     * being processed, 30 times over with a 30 s visibility timeout.
     */
    @Test
    void aCrashedConsumersClaimsLapseWhenItsMessagesComeBack() throws InterruptedException {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofSeconds(30))
                .build();
        queue.send("m");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        QueueRecorder hangs = new QueueRecorder().behave(batch -> {
            if (first.getAndSet(false)) {
                running.countDown();
                release.await();
            }
            return BatchResult.success();
        });
        // The crash: its claims are never extended and its messages' visibility never.
        QueueEventSourceMapping<SqsLikeMessage> crashed = QueueEventSourceMapping.builder("crashed", queue, hangs)
                .settings(QueueEngineTest.fast().visibilityExtensionLimit(Duration.ZERO).build())
                .idempotency(Idempotency.of(new Switchable(store, false))).meterRegistry(meters).clock(clock)
                .build();
        crashed.start();
        try {
            assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
            clock.advance(Duration.ofSeconds(31));
            QueueRecorder handler = new QueueRecorder();
            mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                    .settings(QueueEngineTest.fast().build()).idempotency(Idempotency.of(store))
                    .meterRegistry(meters).clock(clock).build();
            mapping.start();

            // The crashed mapping's other pollers still receive too: whichever gets the message may process it.
            await().until(() -> handler.bodies().size() + hangs.bodies().size() == 2);
        } finally {
            release.countDown();
            crashed.stop(Duration.ofSeconds(10));
        }
    }

    /** The in-memory store, made to fail claims or to refuse extending them. */
    private static final class Switchable implements IdempotencyStore {
        final AtomicBoolean down = new AtomicBoolean();
        private final IdempotencyStore store;
        private final boolean extendsClaims;

        Switchable(IdempotencyStore store, boolean extendsClaims) {
            this.store = store;
            this.extendsClaims = extendsClaims;
        }

        @Override
        public AcquireResult acquire(String key, String payloadHash, String owner, Instant inProgressExpiry) {
            if (down.get()) {
                throw new IllegalStateException("idempotency store unavailable");
            }
            return store.acquire(key, payloadHash, owner, inProgressExpiry);
        }

        @Override
        public boolean extend(String key, String payloadHash, String owner, Instant inProgressExpiry) {
            return extendsClaims && store.extend(key, payloadHash, owner, inProgressExpiry);
        }

        @Override
        public void complete(String key, String payloadHash, Instant ttlExpiry) {
            store.complete(key, payloadHash, ttlExpiry);
        }

        @Override
        public boolean release(String key, String owner) {
            return store.release(key, owner);
        }
    }

    /** A deleted mapping's series must not stay in the registry for good, nor one of a name still running go. */
    @Test
    void theDeduplicatedCountLeavesTheRegistryWithTheLastMappingOfItsName() throws InterruptedException {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        QueueEventSourceMapping<SqsLikeMessage> other = QueueEventSourceMapping.builder("dedup", queue,
                        new QueueRecorder()).settings(QueueEngineTest.fast().build())
                .idempotency(Idempotency.of(store)).meterRegistry(meters).clock(clock).build();
        mapping = QueueEventSourceMapping.builder("dedup", queue, new QueueRecorder())
                .settings(QueueEngineTest.fast().build()).idempotency(Idempotency.of(store))
                .meterRegistry(meters).clock(clock).build();
        other.start();
        mapping.start();
        other.stop(Duration.ofSeconds(10));
        assertThat(meters.find(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counter()).isNotNull();

        mapping.stop(Duration.ofSeconds(10));

        assertThat(meters.find(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counter()).isNull();
        assertThat(meters.find(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT).counter()).isNull();
    }

    @Test
    void aJsonPointerKeyCatchesAProducersDuplicates() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("{\"orderId\":\"o-1\",\"attempt\":1}");
        queue.send("{\"orderId\":\"o-1\",\"attempt\":2}");
        queue.send("{\"orderId\":\"o-2\",\"attempt\":1}");
        QueueRecorder handler = new QueueRecorder();
        IdempotencyKey<QueueMessage<SqsLikeMessage>> byOrder = IdempotencyKey.jsonPointerInBytes("/orderId",
                m -> m.payload().body().getBytes(StandardCharsets.UTF_8));
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().build())
                .idempotency(Idempotency.<QueueMessage<SqsLikeMessage>>of(store).withKey(byOrder))
                .meterRegistry(meters).clock(clock).build();
        mapping.start();
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(2).anyMatch(b -> b.contains("o-2"));
        assertThat(deduplicated()).isEqualTo(1);
    }

    /**
     * A message without a usable key is that message's problem: it stays in the queue (and reaches the DLQ by the
     * redrive policy), while the rest of its batch is processed, as for a message the filter fails on. A queue has no
     * bisection to isolate it: failing the whole batch sent every message received with it to the DLQ too.
     */
    @Test
    void aMessageWithoutAKeyFailsAloneAndTheRestOfItsBatchIsProcessed() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("{\"orderId\":\"o-1\"}");
        queue.send("{\"customer\":\"c-2\"}");
        queue.send("{\"orderId\":\"o-3\"}");
        QueueRecorder handler = new QueueRecorder();
        IdempotencyKey<QueueMessage<SqsLikeMessage>> byOrder = IdempotencyKey.jsonPointerInBytes("/orderId",
                m -> m.payload().body().getBytes(StandardCharsets.UTF_8));
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build())
                .idempotency(Idempotency.<QueueMessage<SqsLikeMessage>>of(store).withKey(byOrder))
                .meterRegistry(meters).clock(clock).build();
        mapping.start();

        await().until(() -> queue.size() == 1);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("{\"orderId\":\"o-1\"}", "{\"orderId\":\"o-3\"}");
        assertThat(queue.peekAll()).singleElement().satisfies(m -> assertThat(m.body()).contains("c-2"));
        assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Function call failed");
    }

    /**
     * So is a message on which the key function throws (a field the message lacks, read as a parser's
     * {@code get("orderId").asText()} reads it): it failed the whole batch, which came back again and again, and with a
     * redrive policy every message received with it reached the DLQ unprocessed.
     */
    @Test
    void aMessageOnWhichTheKeyFunctionThrowsFailsAloneAndTheRestOfItsBatchIsProcessed() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("{\"orderId\":\"o-1\"}");
        queue.send("{\"customer\":\"c-2\"}");
        queue.send("{\"orderId\":\"o-3\"}");
        QueueRecorder handler = new QueueRecorder();
        IdempotencyKey<QueueMessage<SqsLikeMessage>> byOrder = IdempotencyKey.from(m -> {
            String body = m.payload().body();
            if (!body.contains("orderId")) {
                throw new NullPointerException("Cannot invoke \"JsonNode.asText()\": get(\"orderId\") is null");
            }
            return body;
        });
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build())
                .idempotency(Idempotency.<QueueMessage<SqsLikeMessage>>of(store).withKey(byOrder))
                .meterRegistry(meters).clock(clock).build();
        mapping.start();

        await().until(() -> queue.size() == 1);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("{\"orderId\":\"o-1\"}", "{\"orderId\":\"o-3\"}");
        assertThat(queue.peekAll()).singleElement().satisfies(m -> assertThat(m.body()).contains("c-2"));
    }

    /** On a FIFO queue a message without a usable key stops its group, as a failed message does; other groups go on. */
    @Test
    void aFifoMessageWithoutAKeyStopsOnlyItsGroup() {
        InMemoryQueue queue = InMemoryQueue.fifo("orders.fifo").clock(clock).contentBasedDeduplication(true).build();
        queue.send("{\"orderId\":\"o-1\"}", "g", null);
        queue.send("{\"customer\":\"c-2\"}", "g", null);
        queue.send("{\"orderId\":\"o-3\"}", "g", null);
        queue.send("{\"orderId\":\"n-1\"}", "h", null);
        QueueRecorder handler = new QueueRecorder();
        IdempotencyKey<QueueMessage<SqsLikeMessage>> byOrder = IdempotencyKey.jsonPointerInBytes("/orderId",
                m -> m.payload().body().getBytes(StandardCharsets.UTF_8));
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build())
                .idempotency(Idempotency.<QueueMessage<SqsLikeMessage>>of(store).withKey(byOrder))
                .meterRegistry(meters).clock(clock).build();
        mapping.start();

        await().until(() -> queue.size() == 2);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("{\"orderId\":\"o-1\"}", "{\"orderId\":\"n-1\"}");
    }

    /**
     * On a FIFO queue a failed message stops its group: the later messages stay in the queue, so their claims are
     * released, not completed. A handler that stops at its failure never processed them: completed, they would be
     * deleted as duplicates when they come back.
     */
    @Test
    void theLaterMessagesOfAStoppedFifoGroupAreHandedToTheHandlerAgain() {
        InMemoryQueue queue = InMemoryQueue.fifo("orders.fifo").clock(clock).contentBasedDeduplication(true)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        queue.send("m1", "g", null);
        queue.send("m2", "g", null);
        queue.send("m3", "g", null);
        List<String> handled = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            for (QueueMessage<SqsLikeMessage> message : batch.records()) {
                if (QueueRecorder.body(message).equals("m1") && !failedOnce.getAndSet(true)) {
                    return BatchResult.failures(List.of(message.messageId()));
                }
                handled.add(QueueRecorder.body(message));
            }
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().reportBatchItemFailures(true).build())
                .idempotency(Idempotency.of(store)).meterRegistry(meters).clock(clock).build();
        mapping.start();
        // Counted once the outcomes are in the idempotency store: m1, and m2 and m3 that stay behind it.
        await().until(() -> meters.counter(MetricNames.FAILED_INVOKE_EVENT_COUNT, MetricNames.MAPPING_TAG, "dedup")
                .count() == 3);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handled).containsExactly("m1", "m2", "m3");
        assertThat(deduplicated()).isZero();
    }

    /**
     * On a FIFO queue a message another consumer holds stops its group: the later messages of the group are not
     * handed to the handler before it, and stay in the queue; other groups go on.
     */
    @Test
    void aFifoMessageHeldElsewhereStopsItsGroupUntilItIsHandled() {
        InMemoryQueue queue = InMemoryQueue.fifo("orders.fifo").clock(clock).contentBasedDeduplication(true)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        queue.send("m1", "g", null);
        String held = queue.send("m2", "g", null).messageId();
        queue.send("m3", "g", null);
        queue.send("n1", "h", null);
        store.acquire("dedup:" + held, null, "other-consumer", clock.instant().plusSeconds(60));
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build())
                .idempotency(Idempotency.of(store)).meterRegistry(meters).clock(clock).build();
        mapping.start();
        await().until(() -> queue.size() == 2);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m1", "n1");

        clock.advance(Duration.ofSeconds(61));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m1", "m2", "m3", "n1");
        assertThat(handler.bodies()).filteredOn(body -> body.startsWith("m")).containsExactly("m1", "m2", "m3");
        assertThat(deduplicated()).isZero();
    }

    /**
     * With PayloadValidation, a message whose key another consumer holds with a different payload fails validation
     * (as Powertools validates a stored record whatever its status) and is set aside alone, as a message without a
     * key is: not handed to the handler, not deleted, visible again after its visibility timeout (where it fails again,
     * each receive counting towards the redrive policy), while the rest of its batch is processed and deleted.
     */
    @Test
    void aMessageInProgressElsewhereWithAnotherPayloadFailsValidationAloneAndTheRestIsProcessed() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofSeconds(30))
                .build();
        queue.send("{\"orderId\":\"o-1\",\"amount\":1}");
        queue.send("{\"orderId\":\"o-2\",\"amount\":99}");
        queue.send("{\"orderId\":\"o-3\",\"amount\":3}");
        store.acquire("dedup:o-2", sha256Hex("{\"orderId\":\"o-2\",\"amount\":10}"), "other-consumer",
                clock.instant().plusSeconds(600));
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("dedup", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build())
                .idempotency(validatingByOrder()).meterRegistry(meters).clock(clock).build();
        mapping.start();

        await().until(() -> queue.size() == 1 && queue.approximateNumberOfMessagesNotVisible() == 1
                && mapping.lastProcessingResult().equals("PROBLEM: Function call failed"));
        assertThat(handler.bodies()).containsExactlyInAnyOrder("{\"orderId\":\"o-1\",\"amount\":1}",
                "{\"orderId\":\"o-3\",\"amount\":3}");
        assertThat(queue.peekAll()).singleElement().satisfies(m -> assertThat(m.body()).contains("o-2"));

        clock.advance(Duration.ofSeconds(31));
        await().until(() -> "2".equals(queue.peekAll().getFirst().attribute("ApproximateReceiveCount"))
                && queue.approximateNumberOfMessagesNotVisible() == 1);
        assertThat(handler.bodies()).hasSize(2);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(deduplicated()).isZero();
        // A validation failure, not a message waiting for the other consumer.
        assertThat(meters.counter(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT, MetricNames.MAPPING_TAG, "dedup")
                .count()).isZero();
    }

    private static String sha256Hex(String payload) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(payload.getBytes(StandardCharsets.UTF_8)));
    }

    private Idempotency<QueueMessage<SqsLikeMessage>> validatingByOrder() {
        Function<QueueMessage<SqsLikeMessage>, byte[]> body = m -> m.payload().body().getBytes(StandardCharsets.UTF_8);
        return Idempotency.<QueueMessage<SqsLikeMessage>>of(store)
                .withKey(IdempotencyKey.jsonPointerInBytes("/orderId", body)).withPayload(body)
                .withSettings(IdempotencySettings.builder().payloadValidation(true).build());
    }
}
