package io.esm4j.sqs;

import io.esm4j.filter.FilterDocument;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.handler.RecordsJson;
import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import io.esm4j.queue.QueueSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An SQS queue (standard or FIFO) as a {@link QueueSource}, on the synchronous AWS SDK v2 client: the engine's
 * pollers run on virtual threads, so a blocking long poll costs no platform thread.
 *
 * <p>Receives ask for every system and message attribute, so the handler sees the record Lambda would send. Batch
 * deletes and visibility changes use the entry's position as its id, because one receive on a standard queue can
 * return the same message twice and SQS rejects a batch whose ids repeat. A visibility change is cut to what is left
 * of the 12 h after the message's receive, as SQS refuses one that ends later. The queue's ARN and visibility timeout
 * are read once with GetQueueAttributes; a queue that does not exist yet is no error until the first receive, so a
 * mapping over it starts, reports the problem in its state transition reason, and recovers once the queue exists.
 */
public final class SqsQueueSource implements QueueSource<SqsMessage> {

    private static final int MAX_ENTRIES = 10;
    private static final Duration MAX_WAIT = Duration.ofSeconds(20);
    private static final Duration MAX_VISIBILITY = Duration.ofHours(12);
    /**
     * SQS refuses a visibility change that would end more than 12 h after the receive that gave the handle, with an
     * error for the entry; it does not cut the value down itself. The margin covers the time between the clock
     * reading here and the call reaching SQS (and a retry of the same request by the SDK).
     */
    private static final Duration RECEIVE_LIMIT_MARGIN = Duration.ofSeconds(30);
    /**
     * An AWS queue URL and its region: {@code sqs.<region>.amazonaws.com} (also {@code .com.cn}, {@code .api.aws}),
     * or the legacy {@code <region>.queue.amazonaws.com}.
     */
    private static final Pattern AWS_QUEUE_URL = Pattern.compile("https://(?:"
            + "sqs\\.([a-z0-9-]+)\\.(?:amazonaws\\.com(?:\\.cn)?|api\\.aws)"
            + "|([a-z0-9-]+)\\.queue\\.amazonaws\\.com)/.*");

    private final SqsClient sqs;
    private final String queueUrl;
    private final boolean fifo;
    private final Clock clock;
    /**
     * When the receive that gave each receipt handle began, which SQS's 12 h limit counts from. The keys are the
     * handles' own String instances, which the messages handed out hold: an entry goes once the engine has dropped its
     * message, whatever became of it, so nothing has to be removed by hand and nothing piles up.
     */
    private final Map<String, Instant> receiveStarts = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile @Nullable QueueFacts facts;

    private SqsQueueSource(SqsClient sqs, String queueUrl, Clock clock) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (queueUrl == null || queueUrl.isBlank()) {
            throw new IllegalArgumentException("queueUrl must be an SQS queue URL but was '" + queueUrl + "'");
        }
        this.queueUrl = queueUrl;
        this.fifo = queueUrl.endsWith(".fifo");
    }

    /**
     * A source over the queue at this URL; the client's region and credentials are used as they are. The SDK sends
     * every call to its client's region whatever the URL says, and SQS answers a URL of another region with
     * NonExistentQueue, so an AWS queue URL ({@code https://sqs.<region>.amazonaws.com/...}, or the legacy
     * {@code https://<region>.queue.amazonaws.com/...}) of another region than the client's is refused here; a
     * client with an endpoint override is trusted to reach the queue.
     *
     * @throws IllegalArgumentException if the URL is blank or an AWS queue URL of another region
     */
    public static SqsQueueSource of(SqsClient sqs, String queueUrl) {
        return of(sqs, queueUrl, Clock.systemUTC());
    }

    /** {@link #of(SqsClient, String)} on another clock, which tests move on to SQS's 12 h visibility limit. */
    static SqsQueueSource of(SqsClient sqs, String queueUrl, Clock clock) {
        SqsQueueSource source = new SqsQueueSource(sqs, queueUrl, clock);
        Matcher awsUrl = AWS_QUEUE_URL.matcher(queueUrl);
        if (awsUrl.matches()) {
            rejectOtherRegion(sqs, queueUrl, awsUrl.group(1) != null ? awsUrl.group(1) : awsUrl.group(2));
        }
        return source;
    }

    /**
     * A source over the queue an event source mapping names by ARN ({@code arn:<partition>:sqs:<region>:<account>:
     * <queue>}): its URL is looked up once, here, with GetQueueUrl for the ARN's queue name and account, so a queue of
     * another account works and a missing queue fails here. GetQueueUrl looks the name up in the client's region, so
     * an ARN of another region than the client's is refused rather than resolved to a same-named queue there; a
     * client with an endpoint override (LocalStack, ElasticMQ, a VPC endpoint) is trusted to reach the ARN's queue.
     *
     * @throws IllegalArgumentException if the ARN is not an SQS queue's, is of another region, or names no queue
     */
    public static SqsQueueSource ofArn(SqsClient sqs, String queueArn) {
        Objects.requireNonNull(sqs, "sqs");
        String[] parts = queueArn == null ? new String[0] : queueArn.split(":", -1);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("sqs") || parts[5].isEmpty()) {
            throw new IllegalArgumentException("queueArn must be an SQS queue ARN "
                    + "(arn:<partition>:sqs:<region>:<account>:<queue>) but was '" + queueArn + "'");
        }
        rejectOtherRegion(sqs, queueArn, parts[3]);
        String url;
        try {
            url = sqs.getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4])).queueUrl();
        } catch (SdkException e) {
            throw new IllegalArgumentException("cannot find the SQS queue " + queueArn + ": " + e.getMessage(), e);
        }
        return new SqsQueueSource(sqs, url, Clock.systemUTC());
    }

    /** A client with an endpoint override (LocalStack, ElasticMQ, a VPC endpoint) is trusted to reach the queue. */
    private static void rejectOtherRegion(SqsClient sqs, String queue, String queueRegion) {
        var configuration = sqs.serviceClientConfiguration();
        if (configuration.endpointOverride().isEmpty() && configuration.region() != null
                && !configuration.region().id().equals(queueRegion)) {
            throw new IllegalArgumentException("queue " + queue + " is in region " + queueRegion + ", but the "
                    + "SqsClient given for it is for region " + configuration.region().id() + "; expected a client of"
                    + " the queue's region");
        }
    }

    public String queueUrl() {
        return queueUrl;
    }

    /**
     * {@link RecordsJson#ENVELOPE_BYTES}: each message's size counts its record and the comma before it, so with the
     * messages' sizes this is the event's exact length, which the engine keeps within Lambda's 6 MB.
     */
    @Override
    public int eventEnvelopeBytes() {
        return RecordsJson.ENVELOPE_BYTES;
    }

    @Override
    public Set<String> filterableKeys() {
        return Set.of("body");
    }

    /** Lambda's SQS rule: a JSON body is matched as JSON under {@code body}, any other body as a plain string. */
    @Override
    public FilterDocument filterDocument(QueueMessage<SqsMessage> message) {
        return FilterDocuments.sqsBody(message.payload().body());
    }

    /** The ARN SQS reports for the queue; reads it on first use and throws {@link SqsSourceException} if it cannot. */
    @Override
    public String queueArn() {
        try {
            return facts().arn();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SqsSourceException(null, "Reading the ARN of queue " + queueUrl + " was interrupted", true, e);
        }
    }

    @Override
    public boolean fifo() {
        return fifo;
    }

    @Override
    public Duration visibilityTimeout() throws InterruptedException {
        return facts().visibilityTimeout();
    }

    @Override
    public List<QueueMessage<SqsMessage>> receive(int maxMessages, Duration waitTime) throws Exception {
        if (maxMessages < 1 || maxMessages > MAX_ENTRIES) {
            throw new IllegalArgumentException("maxMessages must be from 1 to 10 but was " + maxMessages);
        }
        if (waitTime.isNegative() || waitTime.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("waitTime must be from 0 s to 20 s but was " + waitTime);
        }
        QueueFacts queue = facts();
        // FIFO: the SDK retries a receive whose answer was lost with this same request; with the same attempt id
        // SQS hands out the same messages again instead of keeping them in flight, their group locked, for a
        // visibility timeout. A standard queue ignores it, so it is only sent for FIFO.
        String attemptId = fifo ? UUID.randomUUID().toString() : null;
        // Before the call: SQS receives the messages later than this, so a limit counted from here is never later.
        Instant started = clock.instant();
        List<Message> messages = call("ReceiveMessage", () -> sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(maxMessages)
                .waitTimeSeconds(wholeSeconds(waitTime))
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")
                .receiveRequestAttemptId(attemptId))).messages();
        List<QueueMessage<SqsMessage>> received = new ArrayList<>(messages.size());
        for (Message message : messages) {
            QueueMessage<SqsMessage> queueMessage = SqsRecords.toQueueMessage(message, queue.arn(), queue.region());
            receiveStarts.put(queueMessage.receiptHandle(), started);
            received.add(queueMessage);
        }
        return received;
    }

    @Override
    public List<EntryFailure> delete(List<QueueMessage<SqsMessage>> messages) throws Exception {
        checkEntries(messages);
        if (messages.isEmpty()) {
            return List.of();
        }
        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                    .receiptHandle(messages.get(i).receiptHandle()).build());
        }
        return failures(call("DeleteMessageBatch", () -> sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl)
                .entries(entries))).failed());
    }

    @Override
    public List<EntryFailure> changeVisibility(List<QueueMessage<SqsMessage>> messages, Duration visibilityTimeout)
            throws Exception {
        checkEntries(messages);
        if (visibilityTimeout.isNegative() || visibilityTimeout.compareTo(MAX_VISIBILITY) > 0) {
            throw new IllegalArgumentException("visibilityTimeout must be from 0 s to 12 h but was "
                    + visibilityTimeout);
        }
        if (messages.isEmpty()) {
            return List.of();
        }
        int seconds = wholeSeconds(visibilityTimeout);
        Instant now = clock.instant();
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            int entrySeconds = withinReceiveLimit(messages.get(i), seconds, now);
            if (entrySeconds > 0 || seconds == 0) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(messages.get(i).receiptHandle()).visibilityTimeout(entrySeconds).build());
            }
        }
        if (entries.isEmpty()) {
            return List.of();
        }
        return failures(call("ChangeMessageVisibilityBatch", () -> sqs.changeMessageVisibilityBatch(r -> r
                .queueUrl(queueUrl).entries(entries))).failed());
    }

    @Override
    public String toString() {
        return "SqsQueueSource[" + queueUrl + "]";
    }

    /**
     * The visibility to ask for: {@code seconds}, cut to what SQS's 12 h limit leaves since the message's receive
     * (less a margin); 0 when not even a second is left, as the message is then hidden as long as SQS allows already
     * and the entry is left out. Making a message visible (0 s) is never cut.
     */
    private int withinReceiveLimit(QueueMessage<SqsMessage> message, int seconds, Instant now) {
        Instant started = receiveStarts.get(message.receiptHandle());
        if (seconds == 0 || started == null) {
            return seconds;
        }
        long left = Duration.between(now, started.plus(MAX_VISIBILITY).minus(RECEIVE_LIMIT_MARGIN)).toSeconds();
        return (int) Math.max(0, Math.min(seconds, left));
    }

    private QueueFacts facts() throws InterruptedException {
        QueueFacts known = facts;
        if (known == null) {
            known = QueueFacts.of(queueUrl, call("GetQueueAttributes", () -> sqs.getQueueAttributes(r -> r
                    .queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN, QueueAttributeName.VISIBILITY_TIMEOUT)))
                    .attributes());
            facts = known;
        }
        return known;
    }

    private <R> R call(String operation, Supplier<R> call) throws InterruptedException {
        try {
            return call.get();
        } catch (SdkException e) {
            Exception translated = SqsErrors.translate(operation, queueUrl, e);
            if (translated instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw (SqsSourceException) translated;
        }
    }

    private static void checkEntries(List<?> messages) {
        if (messages.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("at most 10 messages per batch call but got " + messages.size());
        }
    }

    private static List<EntryFailure> failures(List<BatchResultErrorEntry> failed) {
        return failed.stream().map(f -> new EntryFailure(Integer.parseInt(f.id()), f.code(), f.message(),
                Boolean.TRUE.equals(f.senderFault()))).toList();
    }

    /** SQS takes whole seconds; rounding up keeps a long poll from ending before the wait the engine asked for. */
    private static int wholeSeconds(Duration duration) {
        long millis = duration.toMillis();
        return (int) ((millis + 999) / 1000);
    }
}
