package io.esm4j.testing;

import io.esm4j.filter.FilterDocument;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import io.esm4j.queue.QueueSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An SQS queue in memory, standard or FIFO, for tests, examples and benchmarks of the queue engine: visibility
 * timeouts on a {@link Clock} (pass a {@link MutableClock} to expire them without sleeping), receive counts, receipt
 * handles, redrive to a dead-letter queue, FIFO groups and deduplication, long polling, and planned failures.
 *
 * <p>A long poll whose caller is interrupted stays open until its wait time ends, as SQS keeps a poll whose
 * connection closed: a message it takes meanwhile is hidden for its visibility timeout and nobody gets it.
 *
 * <p>Where it deliberately differs from SQS, to be deterministic or to make engine bugs visible:
 * <ul>
 *   <li>Only a message's latest receipt handle is accepted. SQS accepts a stale handle for a delete without deleting
 *       the message; here it fails with {@code ReceiptHandleIsInvalid}, and so does the handle of a message deleted
 *       by an earlier call (SQS: success). The same handle twice in one delete call succeeds twice.</li>
 *   <li>A short poll returns every visible message up to the maximum, where SQS samples servers and may return
 *       fewer. A standard queue delivers in the order messages became visible, and never twice at once.</li>
 *   <li>A change of visibility on a message whose timeout ran out fails with {@code MessageNotInflight}.</li>
 *   <li>Timeouts have millisecond precision (SQS: seconds). No retention period, delay, in-flight limit, message
 *       timers, AWSTraceHeader or receive request attempt id.</li>
 *   <li>A redriven message leaves this queue and enters the dead-letter queue just after, outside this queue's lock,
 *       so that queues never wait on each other; another thread may briefly see it in neither.</li>
 * </ul>
 *
 * <p>Thread-safe. One lock per queue; a receive or delete costs O(log n) per message. Memory: FIFO deduplication ids
 * are kept for 5 minutes of clock time as in SQS, so a FIFO benchmark at 100,000 messages/s on the system clock holds
 * 30 million of them; benchmark throughput on a standard queue.
 */
public final class InMemoryQueue implements QueueSource<SqsLikeMessage> {

    /** The calls that {@link #failNext} and {@link #failEntries} can make fail. */
    public enum Operation { RECEIVE, DELETE, CHANGE_VISIBILITY }

    static final int MAX_RECEIVE_MESSAGES = 10;
    static final int MAX_BATCH_ENTRIES = 10;
    static final Duration MAX_WAIT_TIME = Duration.ofSeconds(20);
    static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);
    /**
     * How often a waiting receive looks again without being signalled: a {@link MutableClock} can't signal, and
     * {@code clock.advance(...)} must still wake a long poll whose message's visibility timeout it ends.
     */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final String name;
    private final String queueArn;
    private final boolean fifo;
    private final Duration visibilityTimeout;
    private final @Nullable InMemoryQueue deadLetterQueue;
    private final boolean contentBasedDeduplication;
    private final Faults faults = new Faults();
    private final LockedQueueCore core;

    InMemoryQueue(InMemoryQueueBuilder builder) {
        this.name = builder.name;
        this.queueArn = "arn:aws:sqs:local:000000000000:" + builder.name;
        this.fifo = builder.fifo;
        this.visibilityTimeout = builder.visibilityTimeout;
        this.deadLetterQueue = builder.deadLetterQueue;
        this.contentBasedDeduplication = builder.contentBasedDeduplication;
        this.core = new LockedQueueCore(
                new QueueCore(queueArn, fifo, visibilityTimeout.toMillis(), builder.maxReceiveCount, faults), fifo,
                builder.clock);
    }

    /** A builder of a standard queue; {@code name} has 1 to 80 letters, digits, '-' or '_'. */
    public static InMemoryQueueBuilder standard(String name) {
        return new InMemoryQueueBuilder(name, false);
    }

    /** A builder of a FIFO queue; {@code name} ends in {@code .fifo}, as SQS requires. */
    public static InMemoryQueueBuilder fifo(String name) {
        return new InMemoryQueueBuilder(name, true);
    }

    public String name() {
        return name;
    }

    @Override
    public Set<String> filterableKeys() {
        return Set.of("body");
    }

    /** Like SQS: a JSON body is matched as JSON under {@code body}, any other body as a plain string. */
    @Override
    public FilterDocument filterDocument(QueueMessage<SqsLikeMessage> message) {
        return FilterDocuments.sqsBody(message.payload().body());
    }

    @Override
    public String queueArn() {
        return queueArn;
    }

    @Override
    public boolean fifo() {
        return fifo;
    }

    @Override
    public Duration visibilityTimeout() {
        return visibilityTimeout;
    }

    /** Sends to a standard queue. */
    public SendResult send(String body) {
        return send(body, Map.of());
    }

    /** Sends to a standard queue, with message attributes. */
    public SendResult send(String body, Map<String, MessageAttribute> messageAttributes) {
        if (fifo) {
            throw new IllegalArgumentException("MissingParameter: the request must contain the parameter "
                    + "MessageGroupId; " + name + " is a FIFO queue, use send(body, groupId, deduplicationId)");
        }
        return core.send(MessageContent.checkedSend(body, messageAttributes, fifo, null, null));
    }

    /**
     * Sends to a FIFO queue. {@code deduplicationId} may be {@code null} when the queue has content-based
     * deduplication; a duplicate within 5 minutes is accepted, not queued, and answered with the original's id.
     */
    public SendResult send(String body, String groupId, @Nullable String deduplicationId) {
        return send(body, groupId, deduplicationId, Map.of());
    }

    /** Sends to a FIFO queue, with message attributes; see {@link #send(String, String, String)}. */
    public SendResult send(
            String body, String groupId, @Nullable String deduplicationId,
            Map<String, MessageAttribute> messageAttributes) {
        if (!fifo) {
            throw new IllegalArgumentException("InvalidParameterValue: MessageGroupId and MessageDeduplicationId "
                    + "are for FIFO queues; " + name + " is a standard queue, use send(body)");
        }
        if (groupId == null) {
            throw new IllegalArgumentException("MissingParameter: the request must contain the parameter "
                    + "MessageGroupId");
        }
        SendChecks.checkFifoId("MessageGroupId", groupId);
        if (deduplicationId != null) {
            SendChecks.checkFifoId("MessageDeduplicationId", deduplicationId);
        } else if (!contentBasedDeduplication) {
            throw new IllegalArgumentException("InvalidParameterValue: " + name + " has no content-based "
                    + "deduplication, so the send needs a MessageDeduplicationId");
        }
        return core.send(MessageContent.checkedSend(body, messageAttributes, fifo, groupId, deduplicationId));
    }

    @Override
    public List<QueueMessage<SqsLikeMessage>> receive(int maxMessages, Duration waitTime) throws Exception {
        if (maxMessages < 1 || maxMessages > MAX_RECEIVE_MESSAGES) {
            throw new IllegalArgumentException("maxMessages must be between 1 and " + MAX_RECEIVE_MESSAGES
                    + " but was " + maxMessages);
        }
        Objects.requireNonNull(waitTime, "waitTime");
        if (waitTime.isNegative() || waitTime.compareTo(MAX_WAIT_TIME) > 0) {
            throw new IllegalArgumentException("waitTime must be between 0 and " + MAX_WAIT_TIME + " but was "
                    + waitTime);
        }
        faults.throwIfPlanned(Operation.RECEIVE);
        long deadline = System.nanoTime() + waitTime.toNanos();
        try {
            return poll(maxMessages, deadline);
        } catch (InterruptedException e) {
            keepPollingForNobody(maxMessages, deadline);
            throw e;
        }
    }

    private List<QueueMessage<SqsLikeMessage>> poll(int maxMessages, long deadline) throws InterruptedException {
        while (true) {
            List<StoredMessage> deadLetters = new ArrayList<>(0);
            List<QueueMessage<SqsLikeMessage>> received = core.receive(maxMessages, deadLetters);
            if (!deadLetters.isEmpty()) {
                // Only a redrive policy moves messages, and the builder sets one only with its dead-letter queue.
                InMemoryQueue target = Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
                target.core.acceptDeadLetters(deadLetters, queueArn);
            }
            long left = deadline - System.nanoTime();
            if (!received.isEmpty() || left <= 0) {
                return received;
            }
            core.awaitDeliverable(Math.min(left, RECHECK_NANOS));
        }
    }

    /**
     * As on SQS, a long poll whose caller went away stays open until its wait time ends, and what it takes meanwhile
     * is received by nobody: hidden for the visibility timeout, its receive count raised.
     */
    private void keepPollingForNobody(int maxMessages, long deadline) {
        Thread.ofVirtual().name(name + "-abandoned-poll").start(() -> {
            try {
                poll(maxMessages, deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public List<EntryFailure> delete(List<QueueMessage<SqsLikeMessage>> messages) throws Exception {
        checkBatch(messages);
        faults.throwIfPlanned(Operation.DELETE);
        return core.delete(messages);
    }

    @Override
    public List<EntryFailure> changeVisibility(List<QueueMessage<SqsLikeMessage>> messages, Duration visibilityTimeout)
            throws Exception {
        checkBatch(messages);
        long timeoutMillis = checkVisibilityTimeout(visibilityTimeout);
        faults.throwIfPlanned(Operation.CHANGE_VISIBILITY);
        return core.changeVisibility(messages, timeoutMillis);
    }

    /** Messages not in flight; on a FIFO queue this includes those a group lock holds back. */
    public int approximateNumberOfMessages() {
        return core.read(messages -> messages.size() - messages.inFlightCount());
    }

    /** Messages received and neither deleted nor visible again. */
    public int approximateNumberOfMessagesNotVisible() {
        return core.read(QueueCore::inFlightCount);
    }

    /** All messages in the queue, visible or in flight. */
    public int size() {
        return core.read(QueueCore::size);
    }

    /**
     * Every message in the queue, in send order, as a receive would return it now but without receiving it: the
     * receipt handle is the latest one ({@code null} if never received) and the receive count is unchanged.
     */
    public List<SqsLikeMessage> peekAll() {
        return core.read(QueueCore::peekAll);
    }

    /** The number of receives waiting in a long poll now; lets a test send only once a receiver waits. */
    public int waitingReceivers() {
        return core.waitingReceivers();
    }

    /**
     * Makes the next {@code times} calls of {@code operation} throw {@code failure.get()} before doing anything. Plans
     * queue up: a second call adds its failures after those of the first.
     */
    public void failNext(Operation operation, int times, Supplier<? extends Exception> failure) {
        faults.failNext(operation, times, failure);
    }

    /**
     * Makes the entries for {@code messageId} in the next {@code times} calls of {@code operation} (DELETE or
     * CHANGE_VISIBILITY) fail with a retryable {@code InternalError} and leave the message as it was.
     */
    public void failEntries(Operation operation, String messageId, int times) {
        faults.failEntries(operation, messageId, times);
    }

    @Override
    public String toString() {
        return "InMemoryQueue[" + queueArn + "]";
    }

    private static void checkBatch(List<QueueMessage<SqsLikeMessage>> messages) {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("EmptyBatchRequest: a batch needs 1 to " + MAX_BATCH_ENTRIES
                    + " entries but had none");
        }
        if (messages.size() > MAX_BATCH_ENTRIES) {
            throw new IllegalArgumentException("TooManyEntriesInBatchRequest: a batch takes at most "
                    + MAX_BATCH_ENTRIES + " entries but had " + messages.size());
        }
    }

    static long checkVisibilityTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "visibilityTimeout");
        if (timeout.isNegative() || timeout.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new IllegalArgumentException("visibility timeout must be between PT0S and " + MAX_VISIBILITY_TIMEOUT
                    + " but was " + timeout);
        }
        return timeout.toMillis();
    }
}
