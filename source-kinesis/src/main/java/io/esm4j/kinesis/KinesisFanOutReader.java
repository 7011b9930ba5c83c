package io.esm4j.kinesis;

import io.esm4j.internal.MappingLogName;
import io.esm4j.stream.AwaitableShardReader;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.StreamRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.StartingPosition;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEventStream;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardRequest;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler;

/**
 * Reads one shard with enhanced fan-out: Kinesis pushes the shard's records to a registered consumer over a
 * SubscribeToShard subscription, which lasts up to five minutes and is then renewed from the last event's
 * continuation sequence number.
 *
 * <p>Events arrive on the SDK's threads and wait in a buffer that {@link #fetch(int, Duration)} drains on the
 * engine's thread. The next event is asked for only while the buffer holds fewer than {@link #MAX_BUFFERED}
 * records and {@link #MAX_BUFFERED_BYTES} bytes, so a slow handler holds Kinesis back instead of filling memory. The
 * engine's thread is the only one that subscribes; a subscription's callbacks are ignored once it is no longer the
 * current one.
 *
 * <p>SubscribeToShard calls on one shard are at least a second apart (Kinesis allows one a second per consumer and
 * shard). {@code LimitExceededException} and {@code ResourceInUseException} (the consumer's previous subscription to
 * the shard, or another reader's, is still open) back off from ThrottleBackoffInitial, doubling to
 * ThrottleBackoffMax. A connection failure (a read timeout, a reset: {@link SubscriptionPacer#transientFailure}) is
 * subscribed again (a second after the last call) up to the third in a row. Any other failure is thrown once to the
 * engine, which counts it and backs off; the next fetch subscribes again where the last event left off.
 *
 * <p>A fetch does not return empty-handed before Kinesis has accepted one of the reader's subscriptions (its event
 * stream began), whatever its wait: the engine takes a fetch that returns for a reader that works, and a reader the
 * engine opened again after a failure would otherwise clear the failure at once, and the engine's backoff with it.
 */
final class KinesisFanOutReader implements AwaitableShardReader<KinesisRecord> {

    /** Records held before the next event is asked for: what one GetRecords call may return. */
    static final int MAX_BUFFERED = 10_000;
    /** Bytes (as the event JSON counts them) held before the next event is asked for: a GetRecords call's 10 MiB. */
    static final long MAX_BUFFERED_BYTES = 10L << 20;
    /** How often a fetch waiting for the reader's first accepted subscription looks again (a wake-up may be lost). */
    private static final Duration UNANSWERED_RECHECK = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(KinesisFanOutReader.class);

    private final KinesisAsyncClient client;
    private final String consumerArn;
    private final String streamArn;
    private final String shardId;
    /** The mapping of the engine thread that opened the reader: the subscription's callbacks come on the SDK's. */
    private final @Nullable String mapping = MappingLogName.current();
    private final RecordConverter converter;
    private final ShardEnd shardEnd;
    private final SubscriptionPacer pacer;
    private final Instant openedAt;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<StreamRecord<KinesisRecord>> buffered = new ArrayDeque<>();
    private long bufferedBytes;
    /** Where the next subscription starts: the reader's start until the first event, then after its continuation. */
    private ReadStart next;
    private @Nullable Active active;
    private @Nullable Throwable failure;
    private boolean eventReceived;
    /** Kinesis has accepted a subscription of this reader: its event stream began. */
    private boolean answered;
    /** The last event had no records: caught up, so GetRecords is asked whether a closed shard is read out. */
    private boolean endCheckDue;
    /** An event came without a continuation sequence number and without child shards. */
    private boolean noContinuation;
    private boolean ended;
    private boolean closed;
    private long millisBehindLatest = -1;

    private KinesisFanOutReader(KinesisAsyncClient client, String consumerArn, String streamArn, String shardId,
                                ReadStart start, RecordConverter converter, ShardEnd shardEnd,
                                KinesisSourceSettings settings, Clock clock) {
        this.client = client;
        this.shardEnd = shardEnd;
        this.consumerArn = consumerArn;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.converter = converter;
        this.next = start;
        this.openedAt = clock.instant();
        this.pacer = new SubscriptionPacer(settings, clock, consumerArn, shardId, mapping);
    }

    /** A reader whose first subscription is already under way, so that a LATEST start means now. */
    static KinesisFanOutReader open(KinesisAsyncClient client, String consumerArn, String streamArn, String shardId,
                                    ReadStart start, RecordConverter converter, ShardEnd shardEnd,
                                    KinesisSourceSettings settings, Clock clock) {
        KinesisFanOutReader reader = new KinesisFanOutReader(client, consumerArn, streamArn, shardId, start,
                converter, shardEnd, settings, clock);
        reader.subscribe();
        return reader;
    }

    @Override
    public FetchResult<KinesisRecord> fetch(int maxRecords) throws Exception {
        return fetch(maxRecords, Duration.ZERO);
    }

    @Override
    public FetchResult<KinesisRecord> fetch(int maxRecords, Duration maxWait) throws Exception {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            boolean subscribe = false;
            @Nullable String checkEndAfter = null;
            lock.lock();
            try {
                if (closed) {
                    return new FetchResult<>(List.of(), millisBehindLatest, false);
                }
                if (!buffered.isEmpty()) {
                    List<StreamRecord<KinesisRecord>> records = new ArrayList<>(Math.min(maxRecords,
                            buffered.size()));
                    while (records.size() < maxRecords && !buffered.isEmpty()) {
                        StreamRecord<KinesisRecord> record = buffered.poll();
                        bufferedBytes -= record.sizeBytes();
                        records.add(record);
                    }
                    requestIfRoom();
                    return new FetchResult<>(records, millisBehindLatest, false);
                }
                if (ended) {
                    return new FetchResult<>(List.of(), millisBehindLatest, true);
                }
                if (active == null && failure != null) {
                    Throwable failed = failure;
                    failure = null;
                    pacer.failed(failed);
                }
                if ((noContinuation || endCheckDue && shardEnd.closed())
                        && next instanceof ReadStart.AfterSequenceNumber after) {
                    endCheckDue = false;
                    noContinuation = false;
                    checkEndAfter = after.sequenceNumber();
                } else if (active == null && pacer.untilAllowed().compareTo(Duration.ZERO) <= 0) {
                    subscribe = true;
                } else {
                    long waitNanos = deadline - System.nanoTime();
                    if (waitNanos <= 0) {
                        if (answered) {
                            return new FetchResult<>(List.of(), millisBehindLatest, false);
                        }
                        // Until Kinesis has accepted a subscription of this reader, an empty result would tell the
                        // engine that reading works: it would clear the failure it shows and restart its backoff.
                        waitNanos = UNANSWERED_RECHECK.toNanos();
                    }
                    if (active == null) {
                        waitNanos = Math.min(waitNanos, pacer.untilAllowed().toNanos());
                    }
                    changed.awaitNanos(waitNanos);
                }
            } finally {
                lock.unlock();
            }
            if (checkEndAfter != null && shardEnd.readAfter(checkEndAfter)) {
                markEnded();
            } else if (subscribe) {
                // The call only starts the request, but the SDK may resolve credentials on this thread first.
                subscribe();
            }
        }
    }

    /** The shard is read to its end: no more subscriptions, and the open one is let go. */
    private void markEnded() {
        letGo(() -> ended = true);
    }

    /** Makes the state change that stops subscribing, then cancels the open subscription outside the lock. */
    private void letGo(Runnable stopSubscribing) {
        Active closing;
        lock.lock();
        try {
            stopSubscribing.run();
            closing = active;
            active = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (closing != null) {
            closing.cancel();
        }
    }

    @Override
    public void close() {
        letGo(() -> closed = true);
    }

    /** Starts a subscription at {@link #next}; called only by the engine's thread (and by {@link #open}). */
    private void subscribe() {
        Active subscription;
        ReadStart start;
        lock.lock();
        try {
            if (closed || ended || active != null) {
                return;
            }
            start = next;
            subscription = new Active(start);
            active = subscription;
            pacer.subscribed();
        } finally {
            lock.unlock();
        }
        SubscribeToShardRequest request = SubscribeToShardRequest.builder().consumerARN(consumerArn)
                .shardId(shardId).startingPosition(startingPosition(start)).build();
        SubscribeToShardResponseHandler handler = SubscribeToShardResponseHandler.builder()
                .subscriber(() -> subscription).build();
        CompletableFuture<Void> call;
        try {
            call = client.subscribeToShard(request, handler);
        } catch (RuntimeException e) {
            subscription.finished(e);
            return;
        }
        subscription.call = call;
        call.whenComplete((ignored, error) -> subscription.finished(error));
        if (!subscription.isCurrent()) {
            // Closed or ended while the call was being made: let it go too.
            call.cancel(true);
        }
    }

    private static StartingPosition startingPosition(ReadStart start) {
        ShardStart at = ShardStart.of(start);
        return StartingPosition.builder().type(at.type()).sequenceNumber(at.sequenceNumber())
                .timestamp(at.timestamp()).build();
    }

    /** Under the lock: asks for the next event if the buffer has room and none is asked for yet. */
    private void requestIfRoom() {
        Active current = active;
        if (current != null && current.subscription != null && !current.demanding
                && buffered.size() < MAX_BUFFERED && bufferedBytes < MAX_BUFFERED_BYTES) {
            current.demanding = true;
            // Under the lock so that request calls are serial, as Reactive Streams requires; it only signals demand.
            current.subscription.request(1);
        }
    }

    /** One SubscribeToShard call: the subscriber of its events, and the call's future to cancel it with. */
    private final class Active implements Subscriber<SubscribeToShardEventStream> {

        private final ReadStart start;
        private @Nullable Subscription subscription;
        private volatile @Nullable CompletableFuture<Void> call;
        private boolean demanding;
        private boolean recordsSeen;

        Active(ReadStart start) {
            this.start = start;
        }

        boolean isCurrent() {
            lock.lock();
            try {
                return active == this;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onSubscribe(Subscription s) {
            lock.lock();
            try {
                if (active != this) {
                    s.cancel();
                    return;
                }
                subscription = s;
                answered = true;
                requestIfRoom();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onNext(SubscribeToShardEventStream item) {
            if (!(item instanceof SubscribeToShardEvent event)) {
                return;
            }
            List<StreamRecord<KinesisRecord>> records = new ArrayList<>(event.records().size());
            for (Record record : event.records()) {
                for (StreamRecord<KinesisRecord> converted : converter.convert(record)) {
                    if (!KinesisPosition.precedes(converted.sequenceNumber(), start)) {
                        records.add(converted);
                    }
                }
            }
            lock.lock();
            try {
                if (active != this) {
                    return;
                }
                buffered.addAll(records);
                records.forEach(record -> bufferedBytes += record.sizeBytes());
                eventReceived = true;
                pacer.passed();
                if (event.millisBehindLatest() != null) {
                    millisBehindLatest = event.millisBehindLatest();
                }
                recordsSeen |= !event.records().isEmpty();
                FanOutEventOutcome outcome = FanOutEventOutcome.of(event, start, recordsSeen);
                if (outcome.resumeAt() != null) {
                    next = outcome.resumeAt();
                }
                ended |= outcome.shardEnded();
                noContinuation |= outcome.noContinuation();
                endCheckDue = outcome.caughtUp();
                demanding = false;
                requestIfRoom();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onError(Throwable t) {
            finished(t);
        }

        @Override
        public void onComplete() {
            finished(null);
        }

        /** The subscription is over, normally or not; the first report counts. */
        void finished(@Nullable Throwable error) {
            MappingLogName.named(LOG.atDebug(), mapping).addKeyValue("stream", streamArn)
                    .addKeyValue("shardId", shardId)
                    .addKeyValue("error", error == null ? null : error.getClass().getSimpleName())
                    .log("SubscribeToShard subscription ended");
            lock.lock();
            try {
                if (active != this) {
                    return;
                }
                active = null;
                if (error != null) {
                    failure = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                }
                if (!eventReceived && next instanceof ReadStart.Latest) {
                    // Subscribing at LATEST again would skip what arrived since the reader opened.
                    next = new ReadStart.AtTimestamp(openedAt);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void cancel() {
            Subscription s;
            lock.lock();
            try {
                s = subscription;
            } finally {
                lock.unlock();
            }
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<Void> pending = call;
            if (pending != null) {
                pending.cancel(true);
            }
        }
    }

}
