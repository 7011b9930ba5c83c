package io.esm4j.kafka.internal;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.stream.ShardPipeline;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread between the poll thread and the partitions' pipelines: it converts each poll's consumer records into
 * stream records and offers them to their partition's pipeline (filtering, checkpoint tracking, dealing to lanes). That
 * work took more than a third of the poll thread's time, and the poll thread sets the pace of a mapping, so it only
 * queues what it polled here. One thread for the whole mapping keeps each partition's records in poll order.
 *
 * <p>The queue holds at most {@link #CAPACITY} partitions' polls: a poll thread that gets ahead waits for the intake (a
 * wait on CPU work, never on a handler), and the shard's byte bound is overshot by no more than that (sizes are known
 * only once converted). What is queued counts against its partition's room ({@link PartitionState#notYetOffered}), so
 * back-pressure still pauses the partition before its pipeline could overflow. Records queued for a pipeline that has
 * closed since (revoke, loss, stop, a restart) are dropped: they lie after the done prefix, which is where the
 * partition is read from again. A failure converting or offering a poll's records closes the pipeline at once (so that
 * no later poll's records get in past them) and is reported like a lane's failure outside the handler: the partition's
 * pipeline restarts after its done prefix; the thread itself goes on. With a schema registry, a record whose schema is
 * still being fetched holds its partition's records back from there on (later polls of the partition queue behind it,
 * other partitions go on) until the schema is known; they still count against the partition's room, which pauses it.
 * Should the thread itself die (an error outside
 * any poll's handling), the poll thread learns of it at its next loop or hand-off and stops the mapping with the cause
 * in its status, rather than waiting on a queue nobody empties.
 */
final class Intake {

    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);
    /** How often a poll thread waiting for room in a full queue checks that the intake thread still runs. */
    private static final Duration FULL_RECHECK = Duration.ofMillis(100);
    /**
     * Partitions' polls queued at most. On two busy cores the intake thread is often off its core for a few
     * milliseconds; with room for only 4 polls the poll thread then waited on the queue for 16-40 % of its time, with
     * 16 for 3-6 % (bench/README, Kafka no-op, fourth round). Each poll holds at most max.poll.records records and
     * max.partition.fetch.bytes bytes.
     */
    static final int CAPACITY = 16;

    /** One poll's records of one partition, for the pipeline that was current when they were polled. */
    record Polled(PartitionState state, ShardPipeline<KafkaRecord> pipeline,
                          List<ConsumerRecord<byte[], byte[]>> records, Instant readAt) {}

    /** Reports a poll's records that could not be handed on; must not block. */
    @FunctionalInterface
    interface FailureSink {
        void failed(PartitionState state, ShardPipeline<KafkaRecord> pipeline, Throwable cause);
    }

    /**
     * While a partition's records wait for a schema, how often the intake looks whether one has come, when no poll
     * arrives to wake it.
     */
    private static final Duration RESUME_CHECK = Duration.ofMillis(10);

    private final ArrayBlockingQueue<Polled> queue = new ArrayBlockingQueue<>(CAPACITY);
    /** Partitions whose held polls ({@link PartitionState#held}) may go on: a schema they waited for is known. */
    private final ConcurrentLinkedQueue<PartitionState> ready = new ConcurrentLinkedQueue<>();
    /** Partitions with held polls. The intake thread's alone. */
    private final Set<PartitionState> holding = new HashSet<>();
    private final String mappingName;
    private final FailureSink failures;
    private final Thread thread;
    private volatile boolean stopped;
    /** Set if the thread ended other than by stop(): the poll thread then stops the mapping instead of waiting. */
    private volatile @Nullable Throwable died;

    Intake(String mappingName, FailureSink failures) {
        this.mappingName = mappingName;
        this.failures = failures;
        // A daemon, as every engine thread is: the mapping's keep-alive holds the JVM until it has stopped (esm-core's
        // KeepAlive); a thread of its own that did would hold it for good after a start that failed half-way.
        this.thread = Thread.ofPlatform().daemon().name("esm4j-" + mappingName + "-kafka-intake")
                .unstarted(MappingLogName.bound(mappingName, this::run));
    }

    /** @throws io.esm4j.internal.ThreadNotStarted if the thread could not start */
    void start() {
        EngineThreads.start(thread);
    }

    /**
     * Poll thread: queues one partition's polled records (non-empty, in offset order) for its current pipeline,
     * waiting while the queue is full.
     */
    void hand(PartitionState state, List<ConsumerRecord<byte[], byte[]>> records, Instant readAt)
            throws InterruptedException {
        state.notYetOffered.addAndGet(records.size());
        state.queuedRecords.addAndGet(records.size());
        Polled polled = new Polled(state, state.pipeline, records, readAt);
        try {
            while (!queue.offer(polled, FULL_RECHECK.toNanos(), TimeUnit.NANOSECONDS)) {
                checkAlive();
            }
        } catch (Throwable e) {
            state.queuedRecords.addAndGet(-records.size());
            state.notYetOffered.addAndGet(-records.size());
            throw e;
        }
    }

    /** Poll thread: throws {@link FatalPollFailure} if the intake thread has died. */
    void checkAlive() {
        Throwable cause = died;
        if (cause != null) {
            throw new FatalPollFailure(cause);
        }
    }

    /** Stops the thread once it has dealt with what is queued (dropped, as every pipeline is closed by then). */
    void stop() {
        stopped = true;
        if (thread.getState() == Thread.State.NEW) {
            // Never started (the start failed before it or at it): nothing to wait for.
            return;
        }
        thread.interrupt();
        try {
            if (!thread.join(JOIN_TIMEOUT)) {
                LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("thread", thread.getName())
                        .log("intake thread did not end in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            takeInPolls();
        } catch (Throwable e) {
            // Only an error outside a poll's own handling gets here (out of memory in the queue's wait, say).
            died = e;
            LOG.atError().addKeyValue("mapping", mappingName).addKeyValue("thread", thread.getName()).setCause(e)
                    .log("intake thread died; the poll thread stops the mapping");
        }
    }

    private void takeInPolls() {
        while (true) {
            resumeReady();
            Polled polled;
            if (holding.isEmpty()) {
                polled = next();
                if (polled == null) {
                    return;
                }
            } else {
                polled = nextWithin(RESUME_CHECK);
                if (polled == null) {
                    if (stopped && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
            }
            PartitionState state = polled.state;
            if (!state.held.isEmpty()) {
                // Behind the poll that waits for a schema, in poll order.
                state.held.addLast(polled);
            } else {
                deliver(polled);
            }
        }
    }

    /**
     * Hands on the held polls of partitions whose schemas have come, until one waits again, and drops those whose
     * pipeline closed meanwhile (revoke, restart, stop) rather than keep them until their schema comes.
     */
    private void resumeReady() {
        for (PartitionState holder : holding) {
            Polled first = holder.held.peekFirst();
            if (first != null && first.pipeline.closed()) {
                ready.add(holder);
            }
        }
        PartitionState state;
        while ((state = ready.poll()) != null) {
            while (!state.held.isEmpty() && deliver(state.held.pollFirst())) {
                // delivered: on to the next held poll
            }
            if (state.held.isEmpty()) {
                holding.remove(state);
                state.heldFrom = -1;
            }
        }
    }

    /**
     * Converts a poll's records and offers them to their pipeline. A record whose schema is being fetched holds the
     * rest of the poll back ({@link PartitionState#held}, first in line) until the schema is known; what came before
     * it is offered. Returns false if it held records back. Records for a pipeline that closed meanwhile are dropped.
     */
    private boolean deliver(Polled polled) {
        PartitionState state = polled.state;
        int offered = 0;
        // Still in queuedRecords: counted out just before the pipeline counts them in, so that the status may
        // briefly miss them but never counts them twice; held records stay counted.
        int queued = polled.records.size();
        try {
            if (polled.pipeline.closed()) {
                offered = polled.records.size();
                return true;
            }
            RecordConverter converter = state.converter;
            List<StreamRecord<KafkaRecord>> converted = new ArrayList<>(polled.records.size());
            for (ConsumerRecord<byte[], byte[]> record : polled.records) {
                StreamRecord<KafkaRecord> streamRecord = converter.convert(record, polled.readAt);
                if (streamRecord == null) {
                    state.queuedRecords.addAndGet(-converted.size());
                    queued -= converted.size();
                    hold(polled, converted, converter.waitingFor);
                    queued = 0;
                    offered = converted.size();
                    return false;
                }
                converted.add(streamRecord);
            }
            state.queuedRecords.addAndGet(-queued);
            queued = 0;
            polled.pipeline.offer(converted, false, null);
            offered = polled.records.size();
            return true;
        } catch (Throwable e) {
            // Closed here and now, before the next poll is taken: records of later polls, already queued, must
            // not reach this pipeline past the ones that failed, or the done prefix would move over records that
            // never got in. Counted out first: a report that fails in turn ends the thread, not the count.
            offered = polled.records.size();
            failures.failed(state, polled.pipeline, e);
            polled.pipeline.close();
            return true;
        } finally {
            if (queued != 0) {
                state.queuedRecords.addAndGet(-queued);
            }
            state.notYetOffered.addAndGet(-offered);
        }
    }

    /** Offers the records converted so far and holds the rest of the poll until {@code until} completes. */
    private void hold(Polled polled, List<StreamRecord<KafkaRecord>> converted, @Nullable CompletableFuture<?> until) {
        if (!converted.isEmpty()) {
            polled.pipeline.offer(converted, false, null);
        }
        PartitionState state = polled.state;
        List<ConsumerRecord<byte[], byte[]>> rest = polled.records.subList(converted.size(), polled.records.size());
        state.held.addFirst(new Polled(state, polled.pipeline, rest, polled.readAt));
        state.heldFrom = rest.getFirst().offset();
        holding.add(state);
        if (until != null) {
            // On the HTTP client's thread, or at once on this one: either way the intake picks the partition up from
            // `ready` at its next turn, within RESUME_CHECK.
            until.whenComplete((result, error) -> ready.add(state));
        } else {
            ready.add(state);
        }
    }

    /** The next poll's records, or null once stopped and drained. */
    private @Nullable Polled next() {
        while (true) {
            Polled polled = queue.poll();
            if (polled != null) {
                return polled;
            }
            if (stopped) {
                return null;
            }
            try {
                polled = queue.take();
                return polled;
            } catch (InterruptedException e) {
                // stop() interrupts; anything queued before it is still dealt with (dropped) by the loop.
            }
        }
    }

    /** The next poll's records, or null if none came within the wait (or the thread was interrupted to stop). */
    private @Nullable Polled nextWithin(Duration wait) {
        try {
            return queue.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return null;
        }
    }
}
