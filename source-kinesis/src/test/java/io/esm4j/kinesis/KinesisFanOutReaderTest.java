package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardThrottledException;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.MutableClock;
import io.esm4j.internal.MappingLogName;
import io.esm4j.testsupport.LogCapture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ChildShard;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEventStream;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardRequest;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponse;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

/** The fan-out reader against a scripted SubscribeToShard: each call is driven by the test, event by event. */
class KinesisFanOutReaderTest {

    private static final String STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/s";
    private static final String CONSUMER = STREAM + "/consumer/c:1";
    private static final String SHARD = "shardId-000000000000";

    private final MutableClock clock = MutableClock.startingNow();
    private final FakeKinesis kinesis = new FakeKinesis();
    private final AtomicBoolean shardClosed = new AtomicBoolean();
    private final List<String> endChecks = new CopyOnWriteArrayList<>();
    private volatile String lastSequenceNumber = "";

    @Test
    void recordsComeInOrderAndEachNewSubscriptionStartsAfterTheLastContinuation() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call first = kinesis.call(0);
            assertThat(first.request.startingPosition().type()).isEqualTo(ShardIteratorType.TRIM_HORIZON);
            first.emit(event("11", "1", "2"));
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("1", "2");
            first.emit(event("12", "3"));
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("3");

            first.complete();
            // Kinesis allows one SubscribeToShard a second on a shard: not before the clock has moved on.
            assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
            assertThat(kinesis.calls).hasSize(1);
            clock.advance(SubscriptionPacer.SPACING);
            assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
            Call second = kinesis.call(1);
            assertThat(second.request.startingPosition().type()).isEqualTo(ShardIteratorType.AFTER_SEQUENCE_NUMBER);
            assertThat(second.request.startingPosition().sequenceNumber()).isEqualTo("12");
            assertThat(second.request.consumerARN()).isEqualTo(CONSUMER);
            assertThat(second.request.shardId()).isEqualTo(SHARD);
        }
    }

    @Test
    void theNextEventIsAskedForOnlyWhileTheBufferHasRoom() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            assertThat(call.requested.get()).isEqualTo(1);
            String[] full = new String[KinesisFanOutReader.MAX_BUFFERED];
            for (int i = 0; i < full.length; i++) {
                full[i] = Integer.toString(i);
            }
            call.emit(event("20000", full));
            assertThat(call.requested.get()).as("no room: no demand").isEqualTo(1);
            assertThat(reader.fetch(1, Duration.ZERO).records()).hasSize(1);
            assertThat(call.requested.get()).isEqualTo(2);
            assertThat(reader.fetch(KinesisFanOutReader.MAX_BUFFERED, Duration.ZERO).records())
                    .hasSize(KinesisFanOutReader.MAX_BUFFERED - 1);
        }
    }

    @Test
    void theNextEventIsAskedForOnlyWhileTheBufferHoldsLessThanTenMebibytes() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            String fourMebibytes = "x".repeat(3 << 20); // base64 makes it 4 MiB in the event
            call.emit(event("90", fourMebibytes, fourMebibytes, fourMebibytes));
            assertThat(call.requested.get()).as("12 MiB held: no demand").isEqualTo(1);
            assertThat(reader.fetch(1, Duration.ZERO).records()).hasSize(1);
            assertThat(call.requested.get()).as("8 MiB held").isEqualTo(2);
        }
    }

    /** Events pushed from another thread as fast as demand allows, fetched in small bites: all, once, in order. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES) // only a bound for a hang: the pusher waits for demand
    void eventsPushedConcurrentlyArriveCompleteAndInOrder() throws Exception {
        int events = 2_000;
        int perEvent = 7;
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            Thread pusher = Thread.ofPlatform().start(() -> {
                for (int e = 0; e < events; e++) {
                    while (call.requested.get() <= e) {
                        Thread.onSpinWait();
                    }
                    String[] data = new String[perEvent];
                    for (int i = 0; i < perEvent; i++) {
                        data[i] = Integer.toString(e * perEvent + i);
                    }
                    call.emit(event(Integer.toString(1_000 + e), data));
                }
            });
            List<String> received = new ArrayList<>();
            while (received.size() < events * perEvent) {
                received.addAll(data(reader.fetch(5, Duration.ofSeconds(30))));
            }
            pusher.join();
            for (int i = 0; i < received.size(); i++) {
                assertThat(received.get(i)).isEqualTo(Integer.toString(i));
            }
            assertThat(call.requested.get()).as("never more than one event asked for ahead").isEqualTo(events + 1);
        }
    }

    @Test
    void refusedSubscriptionsBackOffAndOtherFailuresGoToTheEngineOnce() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            kinesis.call(0).fail(LimitExceededException.builder().message("too many").build());
            assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
            clock.advance(Duration.ofSeconds(1));
            reader.fetch(10, Duration.ZERO);
            assertThat(kinesis.calls).as("backing off past the 1 s spacing").hasSize(1);
            clock.advance(Duration.ofSeconds(10));
            reader.fetch(10, Duration.ZERO);
            assertThat(kinesis.calls).hasSize(2);

            kinesis.call(1).fail(ResourceInUseException.builder().message("another subscription").build());
            assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
            clock.advance(Duration.ofSeconds(10));
            reader.fetch(10, Duration.ZERO);
            kinesis.call(2).emit(event("31", "a"));
            SdkClientException broken = SdkClientException.create("connection reset");
            kinesis.call(2).fail(broken);
            assertThat(data(reader.fetch(10, Duration.ZERO))).as("what arrived first still counts")
                    .containsExactly("a");
            assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO)).isSameAs(broken);
            clock.advance(Duration.ofSeconds(1));
            reader.fetch(10, Duration.ZERO);
            assertThat(kinesis.call(3).request.startingPosition().sequenceNumber()).isEqualTo("31");
        }
    }

    /**
     * A subscription's connection that times out now and then (every few hours on a long-lived HTTP/2 connection) is
     * expected: the reader subscribes again where the last event left off, logs it at DEBUG, and the engine never
     * sees it, which logged a WARN with the whole stack trace for each one.
     */
    @Test
    void anOccasionalReadTimeoutSubscribesAgainWithoutGoingToTheEngine() throws Exception {
        try (LogCapture log = new LogCapture(SubscriptionPacer.class);
             KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            kinesis.call(0).emit(event("31", "a"));
            kinesis.call(0).fail(SdkClientException.create("Unable to execute HTTP request: null",
                    io.netty.handler.timeout.ReadTimeoutException.INSTANCE));
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("a");
            assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
            clock.advance(Duration.ofSeconds(1));
            reader.fetch(10, Duration.ZERO);
            assertThat(kinesis.call(1).request.startingPosition().sequenceNumber()).isEqualTo("31");

            // Later, after events: a new run, not the second in a row.
            kinesis.call(1).emit(event("32", "b"));
            kinesis.call(1).fail(new java.io.IOException("Connection reset"));
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("b");
            assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();

            assertThat(log.lines("DEBUG", "SubscribeToShard subscription failed")).hasSize(2)
                    .allSatisfy(line -> assertThat(line).contains("shardId=" + SHARD, "failuresInARow=1"));
            assertThat(log.lines("WARN", "SubscribeToShard")).isEmpty();
        }
    }

    /** Connection failures that go on are the engine's to count, show and log, from the third in a row on. */
    @Test
    void connectionFailuresInARowGoToTheEngineFromTheThird() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            for (int failure = 1; failure <= 4; failure++) {
                java.io.IOException reset = new java.io.IOException("Connection reset " + failure);
                kinesis.call(failure - 1).fail(reset);
                if (failure < SubscriptionPacer.TRANSIENT_TOLERATED) {
                    assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
                } else {
                    assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO)).isSameAs(reset);
                }
                clock.advance(Duration.ofSeconds(1));
                reader.fetch(10, Duration.ZERO);
            }
            assertThat(kinesis.calls).as("still subscribing").hasSize(5);
        }
    }

    @Test
    void onlyConnectionFailuresAreTakenAsTransient() {
        assertThat(SubscriptionPacer.transientFailure(SdkClientException.create("x",
                new java.util.concurrent.TimeoutException()))).isTrue();
        assertThat(SubscriptionPacer.transientFailure(software.amazon.awssdk.services.kinesis.model
                .InternalFailureException.builder().message("internal").statusCode(500).build())).isTrue();
        assertThat(SubscriptionPacer.transientFailure(SdkClientException.create("Unable to load credentials")))
                .isFalse();
        assertThat(SubscriptionPacer.transientFailure(software.amazon.awssdk.services.kinesis.model
                .ResourceNotFoundException.builder().message("no consumer").statusCode(400).build())).isFalse();
    }

    @Test
    void aShardThatStaysInUseIsReportedToTheEngineEveryFifthRefusal() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            for (int refusal = 1; refusal <= 5; refusal++) {
                kinesis.call(refusal - 1).fail(SdkClientException.create("wrapped",
                        ResourceInUseException.builder().message("in use").build()));
                if (refusal < 5) {
                    assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
                } else {
                    assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO))
                            .isInstanceOf(IllegalStateException.class).hasMessageContaining(CONSUMER)
                            .hasMessageContaining("5 times in a row").hasMessageContaining(SHARD)
                            .hasCauseInstanceOf(ResourceInUseException.class);
                }
                clock.advance(Duration.ofMinutes(1));
                reader.fetch(10, Duration.ZERO);
            }
            assertThat(kinesis.calls).as("still trying").hasSize(6);
        }
    }

    @Test
    void aFetchDoesNotReturnBeforeKinesisAcceptedTheReadersSubscription() throws Exception {
        kinesis.answerLater = true;
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            CompletableFuture<FetchResult<KinesisRecord>> fetched = new CompletableFuture<>();
            Thread fetching = Thread.ofVirtual().start(() -> {
                try {
                    fetched.complete(reader.fetch(10, Duration.ZERO));
                } catch (Throwable t) {
                    fetched.completeExceptionally(t);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> fetched.isDone()
                    || fetching.getState() == Thread.State.WAITING || fetching.getState() == Thread.State.TIMED_WAITING);
            // Returning now would tell the engine that reading works, and clear the failure it shows.
            assertThat(fetched).as("no answer from Kinesis yet").isNotDone();

            kinesis.call(0).start();

            assertThat(fetched.get(30, TimeUnit.SECONDS).records()).isEmpty();
        }
    }

    @Test
    void refusalsBeforeAnyAcceptedSubscriptionGoToTheEngineWithoutAFetchReturningBetween() throws Exception {
        kinesis.answerLater = true;
        kinesis.refuseAll = ResourceInUseException.builder().message("in use").build();
        KinesisSourceSettings settings = KinesisSourceSettings.builder()
                .throttleBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
        try (KinesisFanOutReader reader = KinesisFanOutReader.open(kinesis, CONSUMER, STREAM, SHARD,
                new ReadStart.TrimHorizon(), converter(), shardEnd(), settings, Clock.systemUTC())) {
            // A reader the engine opened again after this failure starts counting refusals anew; until one of its
            // subscriptions is accepted, its fetches throw or wait, so the failure stays shown and the backoff grows.
            assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("5 times in a row");
            assertThat(kinesis.calls).hasSize(SubscriptionPacer.WARN_AFTER);
        }
    }

    /**
     * As the polling reader's throttled calls: a shard whose subscriptions keep being refused shows in the status.
     * Without the report the fetch waits for good, hence the timeout (a hang, not a speed limit). On a
     * {@link SteppingClock}: the pacer's second between calls passes without the test waiting it out (the test above
     * waits it out on the system clock).
     */
    @Test
    @Timeout(30)
    void limitExceededRefusalsInARowAreReportedAsThrottlingEveryFifthTime() throws Exception {
        kinesis.answerLater = true;
        kinesis.refuseAll = LimitExceededException.builder().message("rate exceeded").build();
        KinesisSourceSettings settings = KinesisSourceSettings.builder()
                .throttleBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
        try (KinesisFanOutReader reader = KinesisFanOutReader.open(kinesis, CONSUMER, STREAM, SHARD,
                new ReadStart.TrimHorizon(), converter(), shardEnd(), settings, new SteppingClock())) {
            assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO)).isInstanceOf(ShardThrottledException.class)
                    .hasMessageContaining("5 times in a row").hasMessageContaining("SubscribeToShard");
            assertThat(kinesis.calls).hasSize(ShardThrottledException.REPORT_EVERY);
        }
    }

    /**
     * Refusals that go on for long: one WARN when they become a run, not one per refusal for as long as they last. On
     * a {@link SteppingClock}, as the 25 refusals would otherwise take 24 s of the pacer's spacing.
     */
    @Test
    @Timeout(30)
    void refusalsThatGoOnLogOneWarning() throws Exception {
        kinesis.answerLater = true;
        kinesis.refuseAll = LimitExceededException.builder().message("rate exceeded").build();
        KinesisSourceSettings settings = KinesisSourceSettings.builder()
                .throttleBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
        try (LogCapture log = new LogCapture(SubscriptionPacer.class);
             KinesisFanOutReader reader = KinesisFanOutReader.open(kinesis, CONSUMER, STREAM, SHARD,
                     new ReadStart.TrimHorizon(), converter(), shardEnd(), settings, new SteppingClock())) {
            for (int report = 0; report < 5; report++) {
                assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO)).isInstanceOf(ShardThrottledException.class);
            }
            assertThat(log.lines("WARN", "SubscribeToShard refused")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("shardId=" + SHARD, "refusedInARow=5"));
            assertThat(log.lines("DEBUG", "SubscribeToShard refused"))
                    .hasSize(5 * ShardThrottledException.REPORT_EVERY - 1);
        }
    }

    /**
     * The subscription's callbacks come on the SDK's threads, which serve every mapping: the reader takes the mapping's
     * name from the engine's thread that opened it, and its lines (the pacer's too) say which mapping they are about.
     */
    @Test
    void theReadersLinesNameTheMappingOfTheThreadThatOpenedIt() throws Exception {
        kinesis.answerLater = true;
        kinesis.refuseAll = LimitExceededException.builder().message("rate exceeded").build();
        KinesisSourceSettings settings = KinesisSourceSettings.builder()
                .throttleBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).build();
        AtomicReference<KinesisFanOutReader> opened = new AtomicReference<>();
        MappingLogName.bound("orders-to-billing", () -> opened.set(KinesisFanOutReader.open(kinesis, CONSUMER,
                STREAM, SHARD, new ReadStart.TrimHorizon(), converter(), shardEnd(), settings,
                new SteppingClock()))).run();
        try (LogCapture log = new LogCapture(SubscriptionPacer.class, KinesisFanOutReader.class);
             KinesisFanOutReader reader = opened.get()) {
            assertThatThrownBy(() -> reader.fetch(10, Duration.ZERO)).isInstanceOf(ShardThrottledException.class);

            assertThat(log.lines("WARN", "SubscribeToShard refused")).singleElement().asString()
                    .contains("mapping=orders-to-billing", "shardId=" + SHARD);
            assertThat(log.lines("DEBUG", "SubscribeToShard subscription ended")).isNotEmpty()
                    .allSatisfy(line -> assertThat(line).contains("mapping=orders-to-billing"));
        }
    }

    @Test
    void aLatestStartThatEndsBeforeAnyEventResumesAtTheTimeTheReaderOpened() throws Exception {
        Instant opened = clock.instant();
        try (KinesisFanOutReader reader = open(new ReadStart.Latest())) {
            assertThat(kinesis.call(0).request.startingPosition().type()).isEqualTo(ShardIteratorType.LATEST);
            clock.advance(Duration.ofMinutes(1));
            kinesis.call(0).complete();
            reader.fetch(10, Duration.ZERO);
            SubscribeToShardRequest again = kinesis.call(1).request;
            assertThat(again.startingPosition().type()).isEqualTo(ShardIteratorType.AT_TIMESTAMP);
            assertThat(again.startingPosition().timestamp()).isEqualTo(opened);
        }
    }

    @Test
    void aSubscriptionInsideAnAggregateKeepsItsStartUntilItDeliveredRecords() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.AfterSequenceNumber("70/1"))) {
            Call first = kinesis.call(0);
            assertThat(first.request.startingPosition().type()).isEqualTo(ShardIteratorType.AT_SEQUENCE_NUMBER);
            assertThat(first.request.startingPosition().sequenceNumber()).isEqualTo("70");
            first.emit(event("69"));
            first.complete();
            clock.advance(Duration.ofMinutes(1));
            reader.fetch(10, Duration.ZERO);
            Call second = kinesis.call(1);
            assertThat(second.request.startingPosition().type()).isEqualTo(ShardIteratorType.AT_SEQUENCE_NUMBER);
            assertThat(second.request.startingPosition().sequenceNumber()).isEqualTo("70");
            second.emit(event("80", "after"));
            second.complete();
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("after");
            clock.advance(Duration.ofMinutes(1));
            reader.fetch(10, Duration.ZERO);
            assertThat(kinesis.call(2).request.startingPosition().type())
                    .isEqualTo(ShardIteratorType.AFTER_SEQUENCE_NUMBER);
            assertThat(kinesis.call(2).request.startingPosition().sequenceNumber()).isEqualTo("80");
        }
    }

    @Test
    void anEventWithChildShardsAndNoContinuationEndsTheShard() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            call.emit(event("41", "x"));
            call.emit(SubscribeToShardEvent.builder().records(List.of()).millisBehindLatest(0L)
                    .childShards(ChildShard.builder().shardId("shardId-000000000001").parentShards(SHARD).build())
                    .build());
            call.complete();
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("x");
            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).isTrue();
            clock.advance(Duration.ofMinutes(1));
            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).isTrue();
            assertThat(kinesis.calls).hasSize(1);
        }
    }

    @Test
    void anEventWithoutContinuationOrChildShardsEndsTheShardOnceGetRecordsFindsNothingAfterIt() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            call.emit(withoutContinuation(event("41", "x", "y")));
            call.complete();
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("x", "y");
            lastSequenceNumber = "4100001";

            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).isTrue();
            assertThat(endChecks).containsExactly("4100001");
            clock.advance(Duration.ofMinutes(1));
            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).isTrue();
            assertThat(kinesis.calls).as("x and y are not subscribed to again").hasSize(1);
        }
    }

    @Test
    void afterAnEventWithoutContinuationTheNextSubscriptionStartsAfterItsRecords() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            call.emit(withoutContinuation(event("41", "x", "y")));
            call.complete();
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("x", "y");
            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).as("GetRecords finds more").isFalse();
            clock.advance(Duration.ofMinutes(1));
            reader.fetch(10, Duration.ZERO);

            SubscribeToShardRequest again = kinesis.call(1).request;
            assertThat(again.startingPosition().type()).isEqualTo(ShardIteratorType.AFTER_SEQUENCE_NUMBER);
            assertThat(again.startingPosition().sequenceNumber()).isEqualTo("4100001");
        }
    }

    @Test
    void aClosedShardEndsOnceAnEmptyEventCaughtUpAndGetRecordsFindsNothingAfter() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            Call call = kinesis.call(0);
            call.emit(event("51", "y"));
            shardClosed.set(true);
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("y");
            assertThat(endChecks).as("records still coming: no check").isEmpty();
            lastSequenceNumber = "52";
            call.emit(event("51"));
            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).as("a record after 51").isFalse();
            assertThat(endChecks).containsExactly("51");
            call.emit(event("52", "z"));
            call.emit(event("52"));
            assertThat(data(reader.fetch(10, Duration.ZERO))).containsExactly("z");
            assertThat(reader.fetch(10, Duration.ZERO).shardEnded()).isTrue();
            assertThat(call.cancelled).isTrue();
        }
    }

    @Test
    void closingCancelsTheSubscriptionAndIgnoresWhatArrivesAfter() throws Exception {
        KinesisFanOutReader reader = open(new ReadStart.TrimHorizon());
        Call call = kinesis.call(0);
        reader.close();
        assertThat(call.cancelled).isTrue();
        call.emit(event("61", "late"));
        clock.advance(Duration.ofMinutes(1));
        FetchResult<KinesisRecord> afterClose = reader.fetch(10, Duration.ZERO);
        assertThat(afterClose.records()).isEmpty();
        assertThat(afterClose.shardEnded()).as("closing is not the shard's end").isFalse();
        assertThat(kinesis.calls).hasSize(1);
    }

    @Test
    void anInterruptEndsTheWait() throws Exception {
        try (KinesisFanOutReader reader = open(new ReadStart.TrimHorizon())) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiting = Thread.ofVirtual().start(() -> {
                try {
                    reader.fetch(10, Duration.ofMinutes(5));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            waiting.interrupt();
            waiting.join();
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        }
    }

    private KinesisFanOutReader open(ReadStart start) {
        KinesisSourceSettings settings = KinesisSourceSettings.builder()
                .throttleBackoff(Duration.ofSeconds(4), Duration.ofSeconds(8)).build();
        return KinesisFanOutReader.open(kinesis, CONSUMER, STREAM, SHARD, start, converter(), shardEnd(), settings,
                clock);
    }

    /**
     * A clock one {@link SubscriptionPacer#SPACING} later at every reading: the pacer finds each next call allowed at
     * once, so a reader refused again and again subscribes again without waiting out the spacing in real time.
     */
    private static final class SteppingClock extends Clock {

        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        @Override
        public Instant instant() {
            return now.updateAndGet(t -> t.plus(SubscriptionPacer.SPACING));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the reader reads instants only");
        }
    }

    private static RecordConverter converter() {
        return new RecordConverter(SHARD, "arn:aws:iam::123456789012:role/esm4j", "us-east-1", STREAM);
    }

    private ShardEnd shardEnd() {
        return new ShardEnd() {
            @Override
            public boolean closed() {
                return shardClosed.get();
            }

            @Override
            public boolean readAfter(String sequenceNumber) {
                endChecks.add(sequenceNumber);
                return sequenceNumber.equals(lastSequenceNumber);
            }
        };
    }

    private static SubscribeToShardEvent event(String continuation, String... data) {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < data.length; i++) {
            records.add(Record.builder().sequenceNumber(Long.toString(Long.parseLong(continuation) * 100_000 + i))
                    .partitionKey("k").data(SdkBytes.fromUtf8String(data[i])).approximateArrivalTimestamp(
                            Instant.now()).build());
        }
        return SubscribeToShardEvent.builder().records(records).continuationSequenceNumber(continuation)
                .millisBehindLatest(0L).build();
    }

    /** As some servers end a closed shard: no continuation sequence number, and no child shards either. */
    private static SubscribeToShardEvent withoutContinuation(SubscribeToShardEvent event) {
        return event.toBuilder().continuationSequenceNumber(null).build();
    }

    private static List<String> data(FetchResult<KinesisRecord> result) {
        return result.records().stream().map(StreamRecord::payload).map(KinesisRecord::dataAsString).toList();
    }

    /** SubscribeToShard calls as the test scripts them. */
    private static final class FakeKinesis implements KinesisAsyncClient {

        final List<Call> calls = new CopyOnWriteArrayList<>();
        /** Calls are not accepted at once: the test starts each one ({@link Call#start()}). */
        volatile boolean answerLater;
        /** With {@link #answerLater}: every call is refused with this at once. */
        volatile Throwable refuseAll;

        Call call(int index) {
            assertThat(calls).as("SubscribeToShard calls").hasSizeGreaterThan(index);
            return calls.get(index);
        }

        @Override
        public CompletableFuture<Void> subscribeToShard(SubscribeToShardRequest request,
                                                        SubscribeToShardResponseHandler handler) {
            Call call = new Call(request, handler);
            calls.add(call);
            if (!answerLater) {
                call.start();
            } else if (refuseAll != null) {
                call.refuse(refuseAll);
            }
            return call.future;
        }

        @Override
        public String serviceName() {
            return "kinesis";
        }

        @Override
        public void close() {}
    }

    /** One subscription: its events go to the reader's subscriber as far as it asked for them. */
    private static final class Call implements Subscription {

        final SubscribeToShardRequest request;
        final SubscribeToShardResponseHandler handler;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final AtomicLong requested = new AtomicLong();
        volatile boolean cancelled;
        private Subscriber<? super SubscribeToShardEventStream> subscriber;

        Call(SubscribeToShardRequest request, SubscribeToShardResponseHandler handler) {
            this.request = request;
            this.handler = handler;
        }

        void start() {
            handler.responseReceived(SubscribeToShardResponse.builder().build());
            SdkPublisher<SubscribeToShardEventStream> publisher = s -> {
                subscriber = s;
                s.onSubscribe(this);
            };
            handler.onEventStream(publisher);
        }

        void emit(SubscribeToShardEvent event) {
            subscriber.onNext(event);
        }

        void complete() {
            subscriber.onComplete();
            handler.complete();
            future.complete(null);
        }

        /** Kinesis answers the call with an error: no event stream begins. */
        void refuse(Throwable error) {
            handler.exceptionOccurred(error);
            future.completeExceptionally(error);
        }

        void fail(Throwable error) {
            subscriber.onError(error);
            handler.exceptionOccurred(error);
            future.completeExceptionally(error);
        }

        @Override
        public void request(long n) {
            requested.addAndGet(n);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
