package io.esm4j.sinks;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * An on-failure destination on a standard SQS queue: each failure record becomes one message whose body is the
 * record's JSON, as Lambda sends it (docs/lambda-semantics.md §3.5). {@link #send} returns once SQS has accepted the
 * message; if SQS refuses, it throws and the engine keeps the records' checkpoint and retries the delivery.
 *
 * <p>FIFO queues are refused when the destination is built, as AWS refuses them for event source mappings.
 */
public final class SqsFailureDestination implements FailureDestination {

    private static final Logger LOG = LoggerFactory.getLogger(SqsFailureDestination.class);

    /**
     * An AWS queue URL and its region: {@code sqs.<region>.amazonaws.com} (also {@code .com.cn}, {@code .api.aws}),
     * or the legacy {@code <region>.queue.amazonaws.com}.
     */
    private static final Pattern AWS_QUEUE_URL = Pattern.compile("https://(?:"
            + "sqs\\.([a-z0-9-]+)\\.(?:amazonaws\\.com(?:\\.cn)?|api\\.aws)"
            + "|([a-z0-9-]+)\\.queue\\.amazonaws\\.com)/.*");

    /** A queue name as SQS allows it: 1–80 letters, digits, '-' and '_', a FIFO queue's ending in '.fifo'. */
    private static final Pattern QUEUE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\\.fifo");

    private final SqsClient sqs;
    /** The queue's ARN when it was named by one (its URL is looked up at the first delivery); null if given a URL. */
    private final @Nullable String queueArn;
    /**
     * The queue's URL: given, or looked up once. Two deliveries that start before the first lookup ends both look it
     * up, which is harmless: the lookup is idempotent, and no lock is held around it.
     */
    private volatile @Nullable String queueUrl;

    private SqsFailureDestination(SqsClient sqs, @Nullable String queueUrl, @Nullable String queueArn) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
    }

    /**
     * A destination on the standard queue at this URL. An AWS queue URL names its region
     * ({@code https://sqs.<region>.amazonaws.com/...}); a client of another region is refused, as SQS would answer
     * every send with QueueDoesNotExist (the SDK sends to its client's region whatever the URL says).
     */
    public static SqsFailureDestination of(SqsClient sqs, String queueUrl) {
        Objects.requireNonNull(sqs, "sqs");
        if (queueUrl == null || queueUrl.isBlank()) {
            throw new IllegalArgumentException("queueUrl must be an SQS queue URL but was '" + queueUrl + "'");
        }
        rejectFifo(queueUrl);
        Matcher awsUrl = AWS_QUEUE_URL.matcher(queueUrl);
        if (awsUrl.matches()) {
            checkRegion(sqs, queueUrl, awsUrl.group(1) != null ? awsUrl.group(1) : awsUrl.group(2));
        }
        return new SqsFailureDestination(sqs, queueUrl, null);
    }

    /**
     * A destination named the way Lambda's {@code DestinationConfig.OnFailure.Destination} names it:
     * {@code arn:aws:sqs:<region>:<account>:<queue>}. Nothing is called here, as for a topic or a bucket: the queue's
     * URL is looked up (GetQueueUrl) at the first delivery and kept. A queue that does not exist yet, or a lookup SQS
     * refuses or cannot answer, fails that delivery like any refusal, so the mapping runs meanwhile and only the
     * records given up wait for the queue; it does not keep the mapping from starting.
     */
    public static SqsFailureDestination ofArn(SqsClient sqs, String queueArn) {
        Objects.requireNonNull(sqs, "sqs");
        Arn arn = checkArn(queueArn);
        checkRegion(sqs, queueArn, arn.region());
        return new SqsFailureDestination(sqs, null, queueArn);
    }

    /**
     * Checks a standard queue's ARN without calling SQS: a region, a 12-digit account and a queue name (1–80 letters,
     * digits, '-' and '_'); returns its parts.
     */
    static Arn checkArn(String queueArn) {
        Arn arn = Arn.parse(queueArn);
        if (arn == null || !arn.service().equals("sqs") || !arn.regional()
                || !QUEUE_NAME.matcher(arn.resource()).matches()) {
            throw new IllegalArgumentException("destination must be an SQS queue ARN "
                    + "(arn:<partition>:sqs:<region>:<account>:<queue>, the account 12 digits) but was '" + queueArn
                    + "'");
        }
        rejectFifo(queueArn);
        return arn;
    }

    /**
     * GetQueueUrl looks a name up in the client's region (a queue of the same name there would get the records), and
     * a send to a URL of another region than the client's finds no queue.
     */
    static void checkRegion(SqsClient sqs, String queue, String queueRegion) {
        var configuration = sqs.serviceClientConfiguration();
        ClientRegion.check(configuration.endpointOverride(), configuration.region(), queue, queueRegion, "queue",
                "SqsClient");
    }

    /**
     * The queue's URL: the one given, or, for a queue named by its ARN, the one GetQueueUrl gave (looked up now if no
     * delivery has looked it up yet).
     *
     * @throws IllegalStateException if the queue's URL cannot be looked up
     */
    public String queueUrl() {
        String url = queueUrl;
        if (url != null) {
            return url;
        }
        Arn arn = Objects.requireNonNull(Arn.parse(queueArn), "queueArn");
        try {
            url = sqs.getQueueUrl(r -> r.queueName(arn.resource()).queueOwnerAWSAccountId(arn.account())).queueUrl();
        } catch (SdkException e) {
            throw new IllegalStateException("cannot deliver a failure record to SQS queue " + queueArn + ": its URL "
                    + "cannot be looked up (GetQueueUrl): " + e.getMessage(), e);
        }
        queueUrl = url;
        return url;
    }

    @Override
    public void send(FailureRecord record) {
        String url = queueUrl();
        String body = record.toJson();
        String messageId;
        try {
            messageId = sqs.sendMessage(r -> r.queueUrl(url).messageBody(body)).messageId();
        } catch (SdkException e) {
            throw new IllegalStateException("cannot deliver a failure record to SQS queue " + url + ": "
                    + e.getMessage(), e);
        }
        LOG.atDebug().addKeyValue("queueUrl", url).addKeyValue("messageId", messageId)
                .addKeyValue("requestId", record.requestContext().requestId())
                .addKeyValue("bytes", body.getBytes(StandardCharsets.UTF_8).length)
                .log("failure record sent to SQS");
    }

    @Override
    public String toString() {
        String url = queueUrl;
        return "SqsFailureDestination[" + (url != null ? url : queueArn) + "]";
    }

    private static void rejectFifo(String queue) {
        if (queue.endsWith(".fifo")) {
            throw new IllegalArgumentException("SQS queue " + queue + " is a FIFO queue; an on-failure destination "
                    + "must be a standard queue, because AWS does not deliver event source mapping failure records "
                    + "to FIFO queues");
        }
    }
}
