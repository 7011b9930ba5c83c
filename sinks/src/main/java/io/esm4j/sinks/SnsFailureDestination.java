package io.esm4j.sinks;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.internal.MappingLogName;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.InvalidParameterException;

/**
 * An on-failure destination on a standard SNS topic: each failure record is published as one message whose body is
 * the record's JSON, as Lambda publishes it (docs/lambda-semantics.md §3.5), with no message attributes and no
 * subject (Lambda's documentation shows the record as the whole message and names none). {@link #send} returns once
 * SNS has accepted the message; if SNS refuses (a missing topic, missing permission, throttling), it throws and the
 * engine keeps the records' checkpoint and retries the delivery.
 *
 * <p>A topic takes messages up to its {@code MaximumMessageSize} attribute: 256 KiB ({@value #DEFAULT_TOPIC_BYTES}
 * bytes) unless raised, at most 1 MiB ({@value #MAX_MESSAGE_BYTES} bytes). Lambda keeps SNS messages small by leaving
 * the payload out, but a stream failure record has no payload to leave out. A record no topic can take (over 1 MiB)
 * is refused with a {@link FailureRecordTooLargeException} before any request; one over the topic's own limit is
 * refused by SNS ({@code InvalidParameter}), and the error says how large it was and what the topic takes. Neither is
 * truncated into invalid JSON.
 *
 * <p>FIFO topics are refused when the destination is built, as AWS refuses them for event source mappings.
 */
public final class SnsFailureDestination implements FailureDestination {

    /**
     * The largest message any topic takes, with its attributes: 1 MiB, the highest {@code MaximumMessageSize} a topic
     * can have. Only SNS knows a topic's own limit, so a smaller record is sent and SNS decides.
     */
    public static final int MAX_MESSAGE_BYTES = 1_048_576;
    /** A topic's {@code MaximumMessageSize} unless it was raised (or lowered): 256 KiB. */
    public static final int DEFAULT_TOPIC_BYTES = 262_144;

    private static final Logger LOG = LoggerFactory.getLogger(SnsFailureDestination.class);
    /** A topic name as SNS allows it: 1–256 letters, digits, '-' and '_', a FIFO topic's ending in '.fifo'. */
    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\\.fifo");

    private final SnsClient sns;
    private final String topicArn;

    private SnsFailureDestination(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
    }

    /**
     * A destination on the standard topic with this ARN, {@code arn:<partition>:sns:<region>:<account>:<topic>}.
     * The topic is not looked up here: a missing topic fails each delivery, naming the topic. A client of another
     * region than the ARN's is refused here (SNS would refuse every Publish), unless it has an endpoint override.
     */
    public static SnsFailureDestination of(SnsClient sns, String topicArn) {
        Objects.requireNonNull(sns, "sns");
        checkArn(topicArn);
        checkRegion(sns, topicArn, Objects.requireNonNull(Arn.parse(topicArn), "topicArn").region());
        return new SnsFailureDestination(sns, topicArn);
    }

    /** SNS refuses every Publish to a topic of another region than the client's ({@code Invalid parameter}). */
    static void checkRegion(SnsClient sns, String topicArn, String topicRegion) {
        var configuration = sns.serviceClientConfiguration();
        ClientRegion.check(configuration.endpointOverride(), configuration.region(), topicArn, topicRegion, "topic",
                "SnsClient");
    }

    /** Checks a standard topic's ARN without calling SNS: a region, a 12-digit account and a topic name. */
    static void checkArn(String topicArn) {
        Arn arn = Arn.parse(topicArn);
        if (arn == null || !arn.service().equals("sns") || !arn.regional()
                || !TOPIC_NAME.matcher(arn.resource()).matches()) {
            throw new IllegalArgumentException("destination must be an SNS topic ARN "
                    + "(arn:<partition>:sns:<region>:<account>:<topic>, the account 12 digits) but was '" + topicArn
                    + "'");
        }
        if (arn.resource().endsWith(".fifo")) {
            throw new IllegalArgumentException("SNS topic " + topicArn + " is a FIFO topic; an on-failure "
                    + "destination must be a standard topic, because AWS does not deliver event source mapping "
                    + "failure records to FIFO topics");
        }
    }

    public String topicArn() {
        return topicArn;
    }

    @Override
    public void send(FailureRecord record) {
        String body = record.toJson();
        int size = body.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_MESSAGE_BYTES) {
            throw new FailureRecordTooLargeException("SNS topic " + topicArn, size, MAX_MESSAGE_BYTES);
        }
        String messageId;
        try {
            messageId = sns.publish(r -> r.topicArn(topicArn).message(body)).messageId();
        } catch (InvalidParameterException e) {
            // Not held: a record too large for the topic, or a parameter esm4j sets, is no credential or permission.
            // SNS says "Message too long" and no more: the size and the topic attribute that decides it help.
            throw new IllegalStateException("cannot deliver a failure record to SNS topic " + topicArn + ": "
                    + e.getMessage() + (size <= DEFAULT_TOPIC_BYTES ? "" : "; the record's JSON is " + size
                    + " bytes, and a topic takes " + DEFAULT_TOPIC_BYTES + " unless its MaximumMessageSize attribute "
                    + "is raised (up to " + MAX_MESSAGE_BYTES + ")"), e);
        } catch (SdkException e) {
            throw DestinationRefusals.refusal("cannot deliver a failure record to SNS topic " + topicArn + ": "
                    + e.getMessage(), e, "SNS", topicArn);
        }
        MappingLogName.named(LOG.atDebug()).addKeyValue("topicArn", topicArn).addKeyValue("messageId", messageId)
                .addKeyValue("requestId", record.requestContext().requestId()).addKeyValue("bytes", size)
                .log("failure record published to SNS");
    }

    @Override
    public String toString() {
        return "SnsFailureDestination[" + topicArn + "]";
    }
}
