package io.esm4j.kafka.internal;

import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.StopOnce;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread of a Kafka mapping, the only thread that touches its consumer: it polls, queues each partition's
 * records for the {@link Intake} (which converts them and offers them to the partition's pipeline, so that the poll
 * thread does little besides polling), pauses a partition whose pipeline has no room for another poll and resumes
 * it when there is (so a slow handler never keeps it from polling within {@code max.poll.interval.ms}), commits the
 * done prefixes on a cadence, and runs the rebalance callbacks ({@link Rebalances}). Failed polls are counted, shown in the status
 * ({@link PollFailures}) and retried with backoff; only a fatal error stops the mapping.
 */
final class PollLoop {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    /** How long one poll waits for records: also how soon a paused partition with room again is resumed. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a fatal error's stop lets the other partitions' batches finish, as a stream mapping's does. */
    static final Duration FATAL_STOP_TIMEOUT = Duration.ofSeconds(30);

    private final StreamContext<KafkaRecord> ctx;
    private final KafkaSource source;
    private final Consumer<byte[], byte[]> consumer;
    private final int maxPollRecords;
    private final KafkaMetrics metrics;
    private final Intake intake;
    private final StartPositions starts;
    private final OffsetLags lags;
    private final StopCommit stopCommit;
    private final TopicRefusals topicRefusals;
    private final MissingTopics missingTopics;
    private final ConnectionErrors connectionErrors;
    private final PollFailures pollFailures;
    final Partitions partitions;
    final Rebalances rebalances;
    final CompletableFuture<StopResult> result = new CompletableFuture<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    /** The first stop request's deadline (stop()'s or a fatal error's); MAX until one comes. */
    private final AtomicReference<Instant> stopDeadline = new AtomicReference<>(Instant.MAX);
    /** What a fatal error begins: the engine's stop, which makes the mapping DISABLED once this loop has ended. */
    private final Runnable fatalStop;
    /** The engine's stop, once begun (the fatal error's or the user's): it ends the wait to retry the fatal one. */
    private final StopOnce<?> engineStop;
    /** When the cadence commits next (System.nanoTime). */
    private long nextCommit;

    PollLoop(StreamContext<KafkaRecord> ctx, KafkaSource source, Consumer<byte[], byte[]> consumer,
             int maxPollRecords, KafkaMetrics metrics, Partitions partitions, Intake intake, Runnable fatalStop,
             StopOnce<?> engineStop) {
        this.ctx = ctx;
        this.fatalStop = fatalStop;
        this.engineStop = engineStop;
        this.source = source;
        this.consumer = consumer;
        this.maxPollRecords = maxPollRecords;
        this.metrics = metrics;
        this.partitions = partitions;
        this.intake = intake;
        this.pollFailures = new PollFailures(ctx, partitions.authResults);
        this.topicRefusals = new TopicRefusals(consumer, ctx.backoff(), pollFailures::probeRefused);
        this.starts = new StartPositions(ctx, consumer, partitions.owned, source.topics(),
                partitions.authResults, topicRefusals::failed);
        this.lags = new OffsetLags(consumer, topicRefusals::failed);
        this.missingTopics = new MissingTopics(ctx, consumer, source.topics(), partitions.owned,
                topicRefusals::failed);
        this.connectionErrors = new ConnectionErrors(ctx, consumer, source.bootstrapServers(),
                ConnectionErrors.silence(source.consumerProperties()));
        this.stopCommit = new StopCommit(ctx.mappingName(), consumer, partitions);
        this.rebalances = new Rebalances(ctx, source, consumer, metrics, partitions, starts, stopCommit,
                this::stopping, stopDeadline::get);
    }

    /**
     * From any thread: the loop stops, drains until {@code deadline}, commits and closes the consumer. A stop already
     * requested keeps its deadline. Returns the deadline the loop stops by.
     */
    Instant requestStop(Instant deadline) {
        if (stopDeadline.compareAndSet(Instant.MAX, deadline)) {
            stopRequested.countDown();
            consumer.wakeup();
        }
        return stopDeadline.get();
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0;
    }

    void run() {
        boolean fatalStopBegun = true;
        try {
            consumer.subscribe(source.topics(), missingTopics.listening(rebalances));
            loop();
        } catch (Throwable e) {
            fatalStopBegun = stopAfterFatal(e);
        }
        try {
            result.complete(finish(stopDeadline.get()));
        } catch (Throwable e) {
            result.completeExceptionally(e);
        }
        if (!fatalStopBegun) {
            // Tried again after the drain, with backoff, until it begins or a stop has begun anyway. Left undone, the
            // mapping would stay DISABLING, and the JVM alive, until a stop(): so an interrupt, which finish() keeps
            // in this thread's flag, does not end the retries either.
            engineStop.retryUntilBegun(ctx.backoff(), this::beginFatalStop);
        }
    }

    /**
     * The mapping stops, DISABLING with the error as its reason (unless a stop had begun), through the engine's stop,
     * as a stream or queue mapping's does after a fatal error: this thread drains, commits and closes as for stop(),
     * by the stop's deadline, and the engine's stop, on a thread of its own, makes the mapping DISABLED once it has.
     * Returns false if that stop's thread could not start: this thread tries again once it has drained.
     */
    private boolean stopAfterFatal(Throwable error) {
        Throwable cause = error instanceof FatalPollFailure f ? f.getCause() : error;
        String reason = "PROBLEM: stopped after a fatal error in the Kafka poll thread: " + Fatal.describe(cause);
        boolean begun = ctx.status().beginStop(reason);
        LOG.atError().addKeyValue("mapping", ctx.mappingName()).setCause(cause)
                .log(begun ? "fatal error; stopping the mapping" : "fatal error while the mapping stops");
        // Here, without waking the consumer up: this thread is the one that would be woken.
        if (stopDeadline.compareAndSet(Instant.MAX, Instant.now().plus(FATAL_STOP_TIMEOUT))) {
            stopRequested.countDown();
        }
        return beginFatalStop(0);
    }

    /**
     * Begins the engine's stop; false if its thread could not start (out of threads for now), to be tried again. Any
     * other failure is a bug that a retry would meet again: it is logged, this thread still drains and closes, and
     * stop() ends the mapping.
     */
    private boolean beginFatalStop(int retries) {
        try {
            fatalStop.run();
        } catch (ThreadNotStarted e) {
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("retries", retries).setCause(e)
                    .log("the stop after the fatal error could not begin; retrying after the backoff");
            return false;
        } catch (Throwable e) {
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).setCause(e)
                    .log("the stop after the fatal error could not begin; stop() ends the mapping");
        }
        return true;
    }

    private void loop() {
        nextCommit = System.nanoTime() + ctx.settings().checkpointInterval().toNanos();
        while (!stopping()) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                intake.checkAlive();
                partitions.drainEvents();
                partitions.resolveCaughtUp();
                partitions.restartDue();
                starts.resolveDue();
                missingTopics.probeIfDue();
                connectionErrors.check();
                applyBackPressure();
                records = consumer.poll(POLL_TIMEOUT);
            } catch (WakeupException e) {
                continue;
            } catch (RuntimeException e) {
                FatalPollFailure.rethrowFrom(e);
                // Nothing was handed out: the consumer's positions are where the pipelines expect them.
                pollFailed(e);
                commitDespitePollFailure();
                continue;
            }
            try {
                offer(records);
                commitIfDue();
                lags.refreshIfDue(partitions.owned.values());
                pollWorked(records);
            } catch (InterruptedException e) {
                // Nobody interrupts the poll thread but to end it: stop as stop() would.
                Thread.currentThread().interrupt();
                stopRequested.countDown();
            } catch (FatalPollFailure e) {
                throw e;
            } catch (RuntimeException e) {
                // Polled records may not have reached their pipelines: every partition restarts after its done
                // prefix, so none is skipped.
                Fatal.rethrowIfFatal(e);
                ctx.metrics().pollingErrors.increment();
                partitions.restartAll(e);
            }
        }
    }

    /**
     * A poll returned and its records were handed out: the refused poll's problem and Lambda's message go, unless a
     * topic it was refused for is not read again yet ({@link TopicRefusals}: the consumer throws such a refusal only
     * once), or the credentials it was refused for have not worked since ({@link ConnectionErrors}). Until then the
     * message stays, whatever the batches of other topics report.
     */
    private void pollWorked(ConsumerRecords<byte[], byte[]> records) {
        if (topicRefusals.stillRefused(records) || connectionErrors.authenticationStillRefused(records)) {
            return;
        }
        pollFailures.worked();
    }

    /** The cadence's commit of the done prefixes that moved, once per CheckpointInterval. */
    private void commitIfDue() {
        if (System.nanoTime() - nextCommit >= 0) {
            partitions.commits.commitAsync();
            nextCommit = System.nanoTime() + ctx.settings().checkpointInterval().toNanos();
        }
    }

    /**
     * While polls keep failing (one topic of several not authorized, say) the lanes still finish what was handed out
     * before: their progress is committed on the cadence all the same, or a crash would redo all of it.
     */
    private void commitDespitePollFailure() {
        try {
            partitions.drainEvents();
            commitIfDue();
        } catch (FatalPollFailure e) {
            throw e;
        } catch (RuntimeException e) {
            Fatal.rethrowIfFatal(e);
            metrics.commitErrors.increment();
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).setCause(e)
                    .log("offset commit after a failed poll failed; the next one carries the offsets again");
        }
    }

    private void pollFailed(RuntimeException e) {
        Fatal.rethrowIfFatal(e);
        int inARow = pollFailures.failed(e);
        topicRefusals.failed(e);
        connectionErrors.pollFailed(e);
        try {
            stopRequested.await(ctx.backoff().delay(inARow).toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            stopRequested.countDown();
        }
    }

    /**
     * A partition polls only while its pipeline has room for a whole poll beyond what waits for it in the intake, so
     * its tracker never overflows.
     */
    private void applyBackPressure() {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionState state : partitions.owned.values()) {
            if (state.restarting || state.startPending) {
                continue;
            }
            boolean full = state.pipeline.room() - state.notYetOffered.get() < maxPollRecords;
            if (full && !state.paused) {
                pause.add(state.partition);
                state.paused = true;
            } else if (!full && state.paused) {
                resume.add(state.partition);
                state.paused = false;
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private void offer(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        if (records.isEmpty()) {
            return;
        }
        // First note where each partition's records start, so that a restart after a failure part way through
        // the hand-out seeks back to them instead of skipping them.
        List<PartitionState> states = new ArrayList<>();
        for (TopicPartition partition : records.partitions()) {
            PartitionState state = partitions.owned.get(partition);
            long first = records.records(partition).getFirst().offset();
            if (state == null) {
                // Assigned, but its callback did not get to it (it failed part way): the consumer's word counts.
                state = partitions.add(partition);
                starts.assigned(List.of(state));
            }
            if (state.restarting || state.startPending) {
                // Fetched just before the partition paused for a restart, or read from where auto.offset.reset put
                // it before its starting position was looked up: read again once it restarts, or from its start.
                consumer.seek(partition, first);
                continue;
            }
            if (state.firstOffset < 0) {
                state.firstOffset = first;
            }
            if (state.pipelineFirstOffset < 0) {
                state.pipelineFirstOffset = first;
            }
            states.add(state);
        }
        Instant now = ctx.clock().instant();
        for (PartitionState state : states) {
            List<ConsumerRecord<byte[], byte[]>> polled = records.records(state.partition);
            ctx.metrics().polled.increment(polled.size());
            intake.hand(state, polled, now);
        }
        ctx.status().advance(MappingState.ENABLING, MappingState.ENABLED, MappingStatus.USER_ACTION);
    }

    /**
     * Stop: drains every partition until the deadline, commits (through a rebalance in progress, see
     * {@link StopCommit}), leaves the group and closes the consumer.
     */
    private StopResult finish(Instant given) {
        // Ended by an interrupt: the flag is set aside so that the done prefixes are still committed and the group left
        // cleanly (a KafkaConsumer throws InterruptException from every call on an interrupted thread), and the
        // handlers get no time beyond the interrupt's grace.
        boolean interrupted = Thread.interrupted();
        Instant deadline = interrupted && given.isAfter(Instant.now()) ? Instant.now() : given;
        try {
            List<PartitionState> all = new ArrayList<>(partitions.owned.values());
            all.forEach(state -> state.pipeline.close());
            boolean drained = Partitions.awaitLanes(all, deadline);
            if (!drained) {
                all.forEach(state -> state.pipeline.interruptLanes());
                Partitions.awaitLanes(all, Instant.now().plus(INTERRUPT_GRACE));
            }
            try {
                partitions.drainEvents();
                // Through a rebalance in progress, within what is left of the deadline; partitions revoked meanwhile
                // are committed and let go by the revoke callback, lost ones let go without a commit.
                stopCommit.commit(deadline);
            } finally {
                partitions.forget(new ArrayList<>(partitions.owned.values()));
                // An interrupt that ended a wait for the rebalance is set aside as well: the group is still left.
                interrupted |= Thread.interrupted();
            }
            // A partition's done prefix beyond its last commit was not saved, whichever way it was let go.
            Release release = Release.of(all, drained, false);
            try {
                consumer.close(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).setCause(e).log("closing the consumer failed");
            }
            return new StopResult(drained, release.checkpoints(), release.notDone(), release.unsaved());
        } finally {
            // Whatever failed above, the intake thread does not outlive the mapping.
            intake.stop();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
