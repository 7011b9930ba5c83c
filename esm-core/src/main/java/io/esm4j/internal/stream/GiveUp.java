package io.esm4j.internal.stream;

import io.esm4j.failure.DestinationRefusedException;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.FailureRecord.RequestContext;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a lane gives records up (docs/lambda-semantics.md §2.3): records too old to invoke, records their source
 * rejected or that are too large on their own, and records whose retries ran out go to the on-failure destination,
 * or are dropped without one, and only then count as done. Once the shard's lease is lost nothing is given up: the
 * records are left to the lease's next owner.
 */
final class GiveUp<T> {

    private static final Logger LOG = LoggerFactory.getLogger(GiveUp.class);
    /** Numbers each lane's status component: lanes of one shard, and of its sessions, never share one. */
    private static final AtomicLong LANES = new AtomicLong();

    private final StreamContext<T> ctx;
    private final StreamSettings settings;
    private final String shardId;
    /** Refused deliveries in a row, for the log: the shard waits on a refusing destination while it refuses. */
    private final FailureRun refusals = new FailureRun();
    private final Consumer<List<Entry<T>>> onDone;
    private final BatchProcessor.Pauser pauser;
    private final BooleanSupplier leaseLost;
    /** Whether the pipeline closed: only then may the engine have interrupted this lane. */
    private final BooleanSupplier closed;
    /** Whether the engine interrupted the lanes (after closing the pipeline). */
    private final BooleanSupplier interrupted;
    /** Where this lane shows that it waits on the destination ({@link ShardProblems#destination}). */
    private final String problemComponent;
    /** Whether this lane's refused delivery is shown in the status, to clear once it no longer waits. */
    private boolean problemReported;
    /** {@link WindowSession#shardFieldBytes} of this shard, computed when first needed; -1 before. */
    private long windowShardFieldBytes = -1;

    /**
     * @param leaseLost whether the shard's lease was lost (not handed back at a stop or a hand-off)
     * @param closed    whether the pipeline closed (see {@link BatchProcessor})
     * @param interrupted whether the engine interrupted the lanes: nothing is given up from then on
     */
    GiveUp(StreamContext<T> ctx, String shardId, Consumer<List<Entry<T>>> onDone, BatchProcessor.Pauser pauser,
           BooleanSupplier leaseLost, BooleanSupplier closed, BooleanSupplier interrupted) {
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.shardId = shardId;
        this.onDone = onDone;
        this.pauser = pauser;
        this.leaseLost = leaseLost;
        this.closed = closed;
        this.interrupted = interrupted;
        this.problemComponent = ShardProblems.destination(shardId, LANES.incrementAndGet());
    }

    /**
     * Gives up the records older than MaximumRecordAge, never later than the stream's retention (with -1 at the
     * retention): Lambda retries records only until they expire from the stream. Returns the rest, or null if the
     * mapping stopped first. The rest is young enough when this returns: giving records up waits for the destination
     * to take them, as long as it refuses, and the others age meanwhile, so the ages are checked again after each.
     */
    List<Entry<T>> discardTooOld(List<Entry<T>> entries) throws InterruptedException {
        List<Entry<T>> rest = entries;
        while (true) {
            Instant cutoff = ageCutoff();
            // Every batch passes here: the usual case, nothing too old, allocates nothing.
            if (cutoff == null || rest.stream().noneMatch(entry -> tooOld(entry, cutoff))) {
                return rest;
            }
            List<Entry<T>> tooOld = new ArrayList<>();
            List<Entry<T>> fresh = new ArrayList<>(rest.size());
            for (Entry<T> entry : rest) {
                (tooOld(entry, cutoff) ? tooOld : fresh).add(entry);
            }
            if (!records(tooOld, FailureCondition.RecordAgeExceeded, null)) {
                return null;
            }
            rest = fresh;
        }
    }

    /** Whether one of the records is older than MaximumRecordAge or the stream's retention. */
    boolean anyTooOld(List<Entry<T>> entries) {
        Instant cutoff = ageCutoff();
        return cutoff != null && entries.stream().anyMatch(entry -> tooOld(entry, cutoff));
    }

    /** Records that arrived before this are too old to invoke; null when no maximum age applies. */
    private Instant ageCutoff() {
        Duration maximumAge = maximumRecordAge();
        return maximumAge == null ? null : ctx.clock().instant().minus(maximumAge);
    }

    private static boolean tooOld(Entry<?> entry, Instant cutoff) {
        return entry.record.approximateArrivalTimestamp().isBefore(cutoff);
    }

    /** The shorter of MaximumRecordAgeInSeconds and the stream's retention; null when neither bounds it. */
    private Duration maximumRecordAge() {
        Optional<Duration> retention = ctx.source().retention();
        if (settings.recordAgeUnlimited()) {
            return retention.orElse(null);
        }
        Duration configured = Duration.ofSeconds(settings.maximumRecordAgeInSeconds());
        return retention.filter(kept -> kept.compareTo(configured) < 0).orElse(configured);
    }

    /**
     * Gives up, without invoking them, the records that cannot be delivered: those their source rejected when it read
     * them (each with the source's condition, {@link StreamRecord#rejected}), and a record the source says is too
     * large for one invocation on its own (condition MaximumPayloadSizeExceeded, as Lambda does for Kafka). Only a
     * batch of one can hold one of those: records that share a batch fit the cap together, envelope included (see
     * {@link io.esm4j.stream.StreamSource#exceedsPayloadLimit}), so larger batches are not asked about record by
     * record. Returns the rest, or null if the mapping stopped first.
     *
     * @param window the tumbling window the batch is of, or null without windows: its fields and state are in the
     *               same event as the record, so the source is asked about the record as it counts there
     */
    List<Entry<T>> discardUndeliverable(List<Entry<T>> entries, @Nullable WindowSession<T> window)
            throws InterruptedException {
        List<Entry<T>> rest = entries;
        // Every batch passes here: the usual case, nothing rejected, allocates nothing.
        if (entries.stream().anyMatch(entry -> entry.record.rejection() != null)) {
            Map<FailureCondition, List<Entry<T>>> rejected = new EnumMap<>(FailureCondition.class);
            rest = new ArrayList<>(entries.size());
            for (Entry<T> entry : entries) {
                FailureCondition condition = entry.record.rejection();
                (condition == null ? rest : rejected.computeIfAbsent(condition, c -> new ArrayList<>())).add(entry);
            }
            for (Map.Entry<FailureCondition, List<Entry<T>>> group : rejected.entrySet()) {
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                        .addKeyValue("records", group.getValue().size()).addKeyValue("condition", group.getKey())
                        .log("records rejected by their source: given up without an invocation");
                if (!records(group.getValue(), group.getKey(), null)) {
                    return null;
                }
            }
        }
        if (rest.size() != 1) {
            return rest;
        }
        Entry<T> entry = rest.getFirst();
        long windowBytes = window == null ? 0 : windowEventBytes(window);
        StreamRecord<T> counted = windowBytes == 0 ? entry.record : countedWith(entry.record, windowBytes);
        if (!ctx.source().exceedsPayloadLimit(counted)) {
            return rest;
        }
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                .addKeyValue("sequenceNumber", entry.record.sequenceNumber())
                .addKeyValue("sizeBytes", entry.record.sizeBytes())
                .addKeyValue("windowBytes", windowBytes)
                .addKeyValue("limitBytes", StreamSettings.MAX_PAYLOAD_BYTES)
                .log("record over the invocation payload limit on its own: given up without an invocation, "
                        + "condition MaximumPayloadSizeExceeded");
        return records(rest, FailureCondition.MaximumPayloadSizeExceeded, null) ? List.of() : null;
    }

    /**
     * What the window's fields (bounds, shard id, ARN, flags) and its current state add to the event of a batch of
     * the window, as batch formation counts them against the cap.
     */
    private long windowEventBytes(WindowSession<T> window) {
        if (windowShardFieldBytes < 0) {
            windowShardFieldBytes = WindowSession.shardFieldBytes(shardId, ctx.source().streamArn());
        }
        return WindowSession.eventFieldBytes(windowShardFieldBytes, window.start,
                settings.tumblingWindowInSeconds(), window.stateBytes());
    }

    /**
     * The record as it counts in a window's event: its size plus the window's bytes. A source answers
     * {@code exceedsPayloadLimit} from the record's size and its own envelope, so this asks whether the window's
     * event of the record alone is over the cap, and whether the source gives such a record up: the same answer, for
     * the same event size, as without a window.
     */
    private static <T> StreamRecord<T> countedWith(StreamRecord<T> record, long windowBytes) {
        return new StreamRecord<>(record.shardId(), record.sequenceNumber(), record.partitionKey(),
                record.approximateArrivalTimestamp(), (int) Math.min(Integer.MAX_VALUE, record.sizeBytes()
                        + windowBytes), record.payload());
    }

    /**
     * Sends the records' failure record to the destination, retrying until it is accepted, and only then lets them
     * pass. Returns false if the mapping stopped before the destination took it, the lease was lost, or the lanes
     * were interrupted. The failure record's {@code approximateInvokeCount} is the most invocations any of the
     * records was part of.
     */
    boolean records(List<Entry<T>> entries, FailureCondition condition, ResponseContext response)
            throws InterruptedException {
        return records(entries, condition, response, entries.stream().mapToInt(e -> e.invokeCount).max().orElse(0));
    }

    /** As above, for records given up by an invocation of their own ({@code invokeCount} times): a window's final. */
    boolean records(List<Entry<T>> entries, FailureCondition condition, ResponseContext response, int invokeCount)
            throws InterruptedException {
        if (leaseLost.getAsBoolean()) {
            // The next owner reads these records again from the last checkpoint and may well process them: a failure
            // record sent now could put records in the destination that were processed after all, and dropping them
            // would count a loss that is none.
            ctx.metrics().leftToNewOwner.increment(entries.size());
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                    .addKeyValue("condition", condition).addKeyValue("records", entries.size())
                    .addKeyValue("startSequenceNumber", entries.getFirst().record.sequenceNumber())
                    .log("records not given up: the shard's lease was lost, its next owner reads them again");
            return false;
        }
        if (interrupted.getAsBoolean()) {
            // The stop's (or hand-off's) timeout interrupted the handler: one that turns the interrupt into a failure
            // of its own (the AWS SDK's AbortedException, a wrapped InterruptedException) did not fail on these
            // records, and a failure record or a drop now would let the checkpoint pass records never handled. They
            // stay after the checkpoint and are read again, as every record of an interrupted invocation is.
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                    .addKeyValue("condition", condition).addKeyValue("records", entries.size())
                    .addKeyValue("startSequenceNumber", entries.getFirst().record.sequenceNumber())
                    .log("records not given up: their handler was interrupted at the stop; they are read again");
            return false;
        }
        if (ctx.destination() == null) {
            ctx.metrics().dropped.increment(entries.size());
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                    .addKeyValue("condition", condition).addKeyValue("records", entries.size())
                    .addKeyValue("startSequenceNumber", entries.getFirst().record.sequenceNumber())
                    .log("records dropped: no on-failure destination");
            onDone.accept(entries);
            return true;
        }
        FailureRecord record = failureRecord(entries, condition, response, invokeCount);
        try {
            return deliver(record, entries);
        } finally {
            // Delivered, or this lane no longer waits (the session closed: a restarted one shows its own wait if the
            // destination still refuses). Each lane clears only its own problem: another lane of the shard that
            // delivers must not hide this one's wait, nor must a wait outlive the lane that showed it.
            if (problemReported) {
                problemReported = false;
                ctx.status().resolved(problemComponent);
            }
        }
    }

    private boolean deliver(FailureRecord record, List<Entry<T>> entries) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                ctx.destination().send(record);
                int ended = refusals.succeeded();
                if (FailureRun.logRecovery(ended)) {
                    LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                            .addKeyValue("failuresInARow", ended)
                            .log("on-failure destination took a failure record again");
                }
                ctx.metrics().deliveredToDestination.increment(entries.size());
                onDone.accept(entries);
                return true;
            } catch (Throwable e) {
                // An Error from a destination is retried like an exception: escaping, it would end the lane.
                Fatal.rethrowIfFatal(e);
                if (closed.getAsBoolean()) {
                    if (e instanceof InterruptedException stop) {
                        throw stop;
                    }
                    if (interrupted.getAsBoolean()) {
                        // The stop's (or hand-off's) timeout interrupted the send, and the destination reported it as
                        // a failure of its own (the AWS SDK's AbortedException, a wrapped InterruptedException): it
                        // refused nothing, so no refusal is counted or shown. The records stay unsent, after the
                        // checkpoint, and are given up again by the shard's next owner.
                        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                                .addKeyValue("records", entries.size())
                                .log("failure record not delivered: the stop interrupted its send; read again");
                        return false;
                    }
                } else {
                    // The engine interrupts a lane only after closing its pipeline: an InterruptedException before is
                    // the destination's own (a client that takes a timeout for an interrupt), a refusal like any
                    // other; escaping, it ended the lane silently. A flag the destination restored would end the
                    // backoff below, and the lane.
                    Thread.interrupted();
                }
                ctx.metrics().destinationDeliveryFailures.increment();
                ctx.metrics().destinationDeliveryErrors.increment();
                // The shard waits on the destination for as long as it refuses: shown in the mapping's status (and
                // so its readiness) like a failing checkpoint write, not only in a counter and a log.
                problemReported = true;
                showRefusal(e);
                ctx.status().problem(problemComponent, "PROBLEM: on-failure destination refused "
                        + "the failure record of shard " + shardId + " (" + entries.size() + " records from "
                        + entries.getFirst().record.sequenceNumber() + "), attempt " + attempt + "; the checkpoint "
                        + "waits: " + Fatal.describe(e));
                FailureRun.log(LOG, refusals.failed(), e, true).addKeyValue("mapping", ctx.mappingName())
                        .addKeyValue("shardId", shardId).addKeyValue("attempt", attempt)
                        .log("on-failure destination refused a failure record; the checkpoint waits");
                if (!pauser.pause(ctx.backoff().delay(attempt))) {
                    return false;
                }
            }
        }
    }

    /**
     * A refusal the destination marks for it ({@link DestinationRefusedException}: credentials, permissions) is the
     * last processing result until the lane delivers (its problem, resolved then, takes the result with it); any
     * other refusal shows none, nor leaves an earlier one of the lane shown.
     */
    private void showRefusal(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof DestinationRefusedException refused) {
                ctx.status().hold(problemComponent, refused.processingResult());
                return;
            }
        }
        ctx.status().release(problemComponent);
    }

    private FailureRecord failureRecord(List<Entry<T>> entries, FailureCondition condition,
                                        ResponseContext response, int invokeCount) {
        List<StreamRecord<T>> records = entries.stream().map(e -> e.record).toList();
        RequestContext request = new RequestContext(UUID.randomUUID().toString(),
                settings.functionArnFor(ctx.mappingName()), condition, invokeCount);
        return new FailureRecord(request, response, ctx.clock().instant(),
                ctx.source().batchInfo(shardId, records), records);
    }
}
