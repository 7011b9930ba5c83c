package io.esm4j.sinks;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.internal.MappingLogName;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * An on-failure destination on a standard SQS queue: each failure record becomes one message whose body is the
 * record's JSON, as Lambda sends it (docs/lambda-semantics.md §3.5). {@link #send} returns once SQS has accepted the
 * message; if SQS refuses, it throws and the engine keeps the records' checkpoint and retries the delivery.
 *
 * <p>FIFO queues are refused when the destination is built, as AWS refuses them for event source mappings.
 *
 * <p>A queue named by its ARN needs only {@code sqs:SendMessage}, as Lambda's execution role does: its URL is made from
 * the ARN ({@link #queueUrlOf}). Only when SQS answers that no queue is at that URL (an endpoint whose queue URLs are
 * laid out otherwise) is the URL looked up with GetQueueUrl, once, and kept if it differs.
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
    /** The queue's ARN when it was named by one; null if given a URL. */
    private final @Nullable String queueArn;
    /**
     * The queue's URL: given, made from the ARN, or (for an ARN whose partition the SDK does not know, or whose made
     * URL SQS did not find) the one GetQueueUrl gave. Two deliveries that look it up at once both do, which is
     * harmless: the lookup is idempotent, and no lock is held around it.
     */
    private volatile @Nullable String queueUrl;
    /** Whether {@link #queueUrl} was made from the ARN and may be replaced by the one GetQueueUrl gives. */
    private volatile boolean madeFromArn;
    /** The queue's ARN (given, or that of an AWS queue URL), or else its URL: what a held result names. */
    private final String name;

    private SqsFailureDestination(SqsClient sqs, @Nullable String queueUrl, @Nullable String queueArn) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.name = queueArn != null ? queueArn : arnOf(Objects.requireNonNull(queueUrl, "queueUrl"));
        this.madeFromArn = queueArn != null && queueUrl != null;
    }

    /**
     * A destination on the standard queue at this URL. An AWS queue URL names its region
     * ({@code https://sqs.<region>.amazonaws.com/...}); a client of another region is refused, as SQS would answer
     * every send with QueueDoesNotExist (the SDK sends to its client's region whatever the URL says).
     */
    public static SqsFailureDestination of(SqsClient sqs, String queueUrl) {
        Objects.requireNonNull(sqs, "sqs");
        checkUrl(queueUrl);
        rejectFifo(queueUrl);
        Matcher awsUrl = AWS_QUEUE_URL.matcher(queueUrl);
        if (awsUrl.matches()) {
            checkRegion(sqs, queueUrl, awsUrl.group(1) != null ? awsUrl.group(1) : awsUrl.group(2));
        }
        return new SqsFailureDestination(sqs, queueUrl, null);
    }

    /**
     * Refuses what is no queue URL, such as a queue's ARN or name: SQS would find no queue at it, at every delivery.
     * The host and path are not checked further than a queue's name at the end, as emulators lay their URLs out their
     * own way.
     */
    private static void checkUrl(@Nullable String queueUrl) {
        String expected = "queueUrl must be an SQS queue URL (http(s)://<host>/<account>/<queue>) but was '"
                + queueUrl + "'";
        if (queueUrl != null && Arn.parse(queueUrl) != null) {
            throw new IllegalArgumentException(expected + "; for a queue ARN use SqsFailureDestination.ofArn(sqs, "
                    + "queueArn)");
        }
        URI uri;
        try {
            uri = new URI(Objects.requireNonNullElse(queueUrl, ""));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(expected, e);
        }
        String path = uri.getPath();
        if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                || uri.getRawAuthority() == null || path == null
                || !QUEUE_NAME.matcher(path.substring(path.lastIndexOf('/') + 1)).matches()) {
            throw new IllegalArgumentException(expected);
        }
    }

    /**
     * A destination named the way Lambda's {@code DestinationConfig.OnFailure.Destination} names it:
     * {@code arn:aws:sqs:<region>:<account>:<queue>}. Nothing is called here, as for a topic or a bucket: the queue's
     * URL is made from the ARN ({@link #queueUrlOf}), so that the credentials need {@code sqs:SendMessage} only, as
     * Lambda's execution role does. A queue that does not exist yet fails each delivery like any refusal, so the
     * mapping runs meanwhile and only the records given up wait for the queue.
     */
    public static SqsFailureDestination ofArn(SqsClient sqs, String queueArn) {
        Objects.requireNonNull(sqs, "sqs");
        Arn arn = checkArn(queueArn);
        checkRegion(sqs, queueArn, arn.region());
        return new SqsFailureDestination(sqs, queueUrlOf(arn, sqs.serviceClientConfiguration().endpointOverride()),
                queueArn);
    }

    /**
     * The URL of the queue an ARN names, as SQS gives it: {@code https://sqs.<region>.<partition's DNS suffix>/
     * <account>/<queue>} ({@code amazonaws.com}; {@code amazonaws.com.cn} in {@code aws-cn}), or, for a client with an
     * endpoint override (ElasticMQ, LocalStack, a VPC endpoint), {@code <endpoint>/<account>/<queue>}. Null for a
     * partition the SDK does not know: the URL is then looked up at the first delivery.
     */
    static @Nullable String queueUrlOf(Arn arn, Optional<URI> endpointOverride) {
        String path = "/" + arn.account() + "/" + arn.resource();
        if (endpointOverride.isPresent()) {
            String endpoint = endpointOverride.get().toString();
            return (endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint) + path;
        }
        PartitionMetadata partition = PartitionMetadata.of(arn.partition());
        return partition == null ? null : "https://sqs." + arn.region() + "." + partition.dnsSuffix() + path;
    }

    /**
     * The ARN of the queue at an AWS queue URL ({@code https://sqs.<region>.amazonaws.com/<account>/<queue>}), its
     * partition that of the region; any other URL (an emulator's, a VPC endpoint's) as it is.
     */
    static String arnOf(String queueUrl) {
        Matcher awsUrl = AWS_QUEUE_URL.matcher(queueUrl);
        if (!awsUrl.matches()) {
            return queueUrl;
        }
        String region = awsUrl.group(1) != null ? awsUrl.group(1) : awsUrl.group(2);
        String[] path = URI.create(queueUrl).getPath().split("/");
        RegionMetadata metadata = Region.of(region).metadata();
        if (path.length != 3 || metadata == null || metadata.partition() == null) {
            return queueUrl;
        }
        return "arn:" + metadata.partition().id() + ":sqs:" + region + ":" + path[1] + ":" + path[2];
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
     * A send to a URL of another region than the client's finds no queue (the SDK sends to its client's region), and
     * GetQueueUrl, where it is asked, would find a queue of the same name in the client's region.
     */
    static void checkRegion(SqsClient sqs, String queue, String queueRegion) {
        var configuration = sqs.serviceClientConfiguration();
        ClientRegion.check(configuration.endpointOverride(), configuration.region(), queue, queueRegion, "queue",
                "SqsClient");
    }

    /**
     * The queue's URL: the one given, or, for a queue named by its ARN, the one made from it (or looked up, see
     * {@link #ofArn}).
     *
     * @throws IllegalStateException if the queue's URL had to be looked up and cannot be
     */
    public String queueUrl() {
        String url = queueUrl;
        return url != null ? url : lookUp(null);
    }

    /**
     * GetQueueUrl for the ARN's queue name and account, kept for the next deliveries.
     *
     * @param refused why the URL made from the ARN was refused, said in the error if the lookup fails too
     */
    private String lookUp(@Nullable SdkException refused) {
        Arn arn = Objects.requireNonNull(Arn.parse(queueArn), "queueArn");
        String url;
        try {
            url = sqs.getQueueUrl(r -> r.queueName(arn.resource()).queueOwnerAWSAccountId(arn.account())).queueUrl();
        } catch (SdkException e) {
            String message = refused == null
                    ? "its URL cannot be looked up (GetQueueUrl): " + e.getMessage()
                    : queueUrl + ": " + refused.getMessage() + "; nor could its URL be looked up (GetQueueUrl): "
                            + e.getMessage();
            // The send's answer (no queue at the made URL) says more than the lookup's (which may lack permission).
            Optional<String> held = refused == null ? Optional.empty()
                    : DestinationRefusals.heldResult("SQS", name, refused);
            IllegalStateException failure = DestinationRefusals.refusal("cannot deliver a failure record to SQS queue "
                    + queueArn + ": " + message, e, "SQS", name, held);
            if (refused != null) {
                failure.addSuppressed(refused);
            }
            throw failure;
        }
        MappingLogName.named(LOG.atInfo()).addKeyValue("queueArn", queueArn).addKeyValue("queueUrl", url)
                .log("SQS queue URL looked up with GetQueueUrl");
        queueUrl = url;
        madeFromArn = false;
        return url;
    }

    @Override
    public void send(FailureRecord record) {
        String url = queueUrl();
        String body = record.toJson();
        String messageId;
        try {
            messageId = sendTo(url, body);
        } catch (SdkException e) {
            if (!(madeFromArn && url.equals(queueUrl) && noSuchQueue(e))) {
                throw DestinationRefusals.refusal("cannot deliver a failure record to SQS queue " + url + ": "
                        + e.getMessage(), e, "SQS", name);
            }
            // The URL made from the ARN may not be the endpoint's layout: ask SQS for the queue's own URL.
            String found = lookUp(e);
            try {
                messageId = sendTo(found, body);
            } catch (SdkException again) {
                throw DestinationRefusals.refusal("cannot deliver a failure record to SQS queue " + found + ": "
                        + again.getMessage(), again, "SQS", name);
            }
            url = found;
        }
        MappingLogName.named(LOG.atDebug()).addKeyValue("queueUrl", url).addKeyValue("messageId", messageId)
                .addKeyValue("requestId", record.requestContext().requestId())
                .addKeyValue("bytes", body.getBytes(StandardCharsets.UTF_8).length)
                .log("failure record sent to SQS");
    }

    private String sendTo(String url, String body) {
        return sqs.sendMessage(r -> r.queueUrl(url).messageBody(body)).messageId();
    }

    /** SQS's answer for a URL at which it has no queue (the JSON protocol's type, or the query protocol's code). */
    private static boolean noSuchQueue(SdkException e) {
        return e instanceof QueueDoesNotExistException
                || e instanceof AwsServiceException refusal && refusal.awsErrorDetails() != null
                && "AWS.SimpleQueueService.NonExistentQueue".equals(refusal.awsErrorDetails().errorCode());
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
