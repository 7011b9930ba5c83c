package io.esm4j.sinks;

import io.esm4j.failure.DestinationRefusedException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The one place of the texts a mapping shows as its LastProcessingResult while an SQS, SNS or S3 destination refuses
 * what only a user can fix (credentials, permissions, a KMS key, a queue, topic or bucket that does not exist, a bucket
 * in another region than its client's), and of which service error codes mean which. Lambda documents no message for a destination, so these are esm4j's, in
 * the style of Lambda's Kafka messages ({@code PROBLEM: Cluster failed to authorize Lambda.}). They name the
 * destination (and a bucket's region) and nothing else: never the service's message, which may name a principal, so never a credential or a
 * payload. Throttling, 5xx answers, timeouts and connection failures are none of these: they pass on their own and
 * are plain refusals, retried without a held result.
 */
final class DestinationRefusals {

    /** The credentials are refused: unknown key, wrong secret, expired session token. */
    private static final Set<String> AUTHENTICATION = Set.of("invalidclienttokenid", "unrecognizedclientexception",
            "signaturedoesnotmatch", "expiredtoken", "expiredtokenexception", "invalidaccesskeyid", "invalidtoken",
            "missingauthenticationtoken");
    /** The credentials lack a permission (IAM or the resource's policy). */
    private static final Set<String> AUTHORIZATION = Set.of("accessdenied", "accessdeniedexception",
            "authorizationerror", "authorizationerrorexception", "allaccessdisabled");
    /**
     * What STS or SSO answer, besides the codes above, when they give no credentials to a client: a web identity token
     * refused, STS not enabled in the region, an SSO session no longer valid.
     */
    private static final Set<String> CREDENTIALS_REFUSED = Set.of("invalididentitytoken", "idprejectedclaim",
            "expiredtokenexception", "regiondisabledexception", "unauthorizedexception");
    /** The queue, topic or bucket does not exist (SQS's JSON type and query code, SNS's and S3's codes). */
    private static final Set<String> NOT_FOUND = Set.of("queuedoesnotexist", "aws.simplequeueservice.nonexistentqueue",
            "notfound", "notfoundexception", "nosuchbucket");
    /**
     * S3 answers a request sent to or signed for another region than the bucket's with PermanentRedirect (301) or
     * AuthorizationHeaderMalformed (400, "the region 'us-east-1' is wrong; expecting 'eu-west-1'").
     */
    private static final Set<String> WRONG_REGION = Set.of("permanentredirect", "authorizationheadermalformed");
    private static final Pattern EXPECTED_REGION = Pattern.compile("expecting '([a-z0-9-]+)'");
    /** A KMS answer that passes on its own: throttled, or the key briefly unavailable. */
    private static final Set<String> KMS_TRANSIENT = Set.of("kms.throttlingexception", "kmsthrottled",
            "kmsthrottling", "kmsthrottlingexception", "kms.keyunavailableexception", "kmskeyunavailable");

    private DestinationRefusals() {}

    /**
     * The refusal to throw in place of {@code failure}: an {@link IllegalStateException} with {@code message} whose
     * cause is a {@link DestinationRefusedException} carrying the held result (and {@code failure} as its cause) if
     * a user must act on it, else with {@code failure} as its cause. Either way the message and the type are those
     * a caller of {@code send} had before.
     *
     * @param service     {@code SQS}, {@code SNS} or {@code S3}
     * @param destination the destination's ARN (or, without one, its URL)
     */
    static IllegalStateException refusal(String message, Throwable failure, String service, String destination) {
        return refusal(message, failure, service, destination, Optional.empty());
    }

    /** As above, holding {@code held} if present, else what {@code failure} says. */
    static IllegalStateException refusal(String message, Throwable failure, String service, String destination,
                                         Optional<String> held) {
        if (held.isEmpty()) {
            held = heldResult(service, destination, failure);
        }
        if (held.isEmpty()) {
            return new IllegalStateException(message, failure);
        }
        return new IllegalStateException(message, new DestinationRefusedException(held.get(), message, failure));
    }

    /** The LastProcessingResult to hold for {@code failure}, if a user must act on it. */
    static Optional<String> heldResult(String service, String destination, Throwable failure) {
        for (Throwable e : causes(failure).toList()) {
            if (e instanceof AwsServiceException refusal) {
                String refusedBy = refusal.awsErrorDetails() == null ? null : refusal.awsErrorDetails().serviceName();
                Optional<String> held = refusedBy == null || refusedBy.equalsIgnoreCase(service)
                        ? ofCode(service, destination, code(refusal), refusal.getMessage())
                        : ofCredentialsService(refusedBy, destination, code(refusal));
                if (held.isPresent()) {
                    return held;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A refusal by another service than the destination's, which can only be the one the client's credentials
     * provider asked for credentials (STS for an assumed role or web identity, SSO): its AccessDenied means the role
     * cannot be assumed, not that the destination refused, so the held text names that service.
     */
    private static Optional<String> ofCredentialsService(String refusedBy, String destination, String code) {
        if (!AUTHENTICATION.contains(code) && !AUTHORIZATION.contains(code) && !CREDENTIALS_REFUSED.contains(code)) {
            return Optional.empty();
        }
        String credentialsService = refusedBy.toUpperCase(Locale.ROOT);
        return Optional.of("PROBLEM: " + credentialsService + " failed to authenticate Lambda for on-failure "
                + "destination " + destination + ".");
    }

    private static Optional<String> ofCode(String service, String destination, String code,
                                           @Nullable String message) {
        if (code.startsWith("kms")) {
            // SQS's KMS.AccessDeniedException, KmsDisabled..., SNS's KMSAccessDenied, KMSNotFound, KMSOptInRequired...
            return KMS_TRANSIENT.contains(code) ? Optional.empty() : Optional.of(kms(destination));
        }
        if (AUTHORIZATION.contains(code)) {
            // S3 answers AccessDenied for a KMS key too, naming the kms: action it lacks.
            boolean kms = message != null && message.toLowerCase(Locale.ROOT).contains("kms:");
            return Optional.of(kms ? kms(destination) : "PROBLEM: " + service + " failed to authorize Lambda to "
                    + "write to on-failure destination " + destination + ".");
        }
        if (AUTHENTICATION.contains(code)) {
            return Optional.of("PROBLEM: " + service + " failed to authenticate Lambda for on-failure destination "
                    + destination + ".");
        }
        if (NOT_FOUND.contains(code)) {
            return Optional.of("PROBLEM: On-failure destination " + destination + " does not exist.");
        }
        return Optional.empty();
    }

    /**
     * The region an S3 bucket is in, when S3 refused a request for being sent to or signed for another: its
     * {@code x-amz-bucket-region} header, else the region its message expects. Empty for any other answer.
     */
    static Optional<String> bucketRegion(AwsServiceException refusal) {
        if (!WRONG_REGION.contains(code(refusal))) {
            return Optional.empty();
        }
        Optional<String> header = refusal.awsErrorDetails().sdkHttpResponse() == null ? Optional.empty()
                : refusal.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("x-amz-bucket-region");
        if (header.isPresent()) {
            return header;
        }
        Matcher expected = EXPECTED_REGION.matcher(Objects.requireNonNullElse(refusal.getMessage(), ""));
        return expected.find() ? Optional.of(expected.group(1)) : Optional.empty();
    }

    /** An S3 destination whose bucket is in another region than its client's: the client must be rebuilt. */
    static String otherRegion(String destination, String bucketRegion, String clientRegion) {
        return "PROBLEM: On-failure destination " + destination + " is in region " + bucketRegion + ", not in its "
                + "client's (" + clientRegion + ").";
    }

    /** An S3 destination whose EventJson cannot write the mapping's payloads (the default, for a custom source's). */
    static String unwritablePayload(String destination, Class<?> payloadType) {
        return "PROBLEM: The EventJson of on-failure destination " + destination + " cannot write payloads of type "
                + payloadType.getTypeName() + ".";
    }

    private static String kms(String destination) {
        return "PROBLEM: Lambda cannot use the KMS key of on-failure destination " + destination + ".";
    }

    /** The error code, lower case; SQS's JSON protocol may give it with its namespace ({@code com.amazonaws.sqs#}). */
    private static String code(AwsServiceException refusal) {
        String code = refusal.awsErrorDetails() == null ? null : refusal.awsErrorDetails().errorCode();
        if (code == null) {
            return "";
        }
        return code.substring(code.indexOf('#') + 1).toLowerCase(Locale.ROOT);
    }

    /** {@code failure} and its causes, outermost first. */
    private static Stream<Throwable> causes(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, e -> e.getCause() == e ? null : e.getCause());
    }
}
