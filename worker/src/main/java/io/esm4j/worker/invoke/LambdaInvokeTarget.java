package io.esm4j.worker.invoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.handler.FunctionErrorException;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.worker.aws.AwsSigning;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Lambda's Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}, RequestResponse), as real Lambda,
 * LocalStack and the Lambda Runtime Interface Emulator serve it, on the JDK's HTTP client with SigV4 signing.
 *
 * <p>A 200 with {@code X-Amz-Function-Error}, or the emulator's error object, is a function error (the whole batch
 * failed), and so is a 5xx with that header. 429 ({@code TooManyRequestsException}), 409
 * ({@code ResourceConflictException}: the function is being created or updated) and 5xx without it are Lambda's own
 * answers: the function did not run. They are retried with backoff until the target's timeout, then the batch ends
 * in {@link FunctionNotInvokedException}, which the engine retries without using up MaximumRetryAttempts, as Lambda
 * does for errors before the function runs; so do 403 (not allowed to invoke it, or its file system could not be
 * mounted), 404 (no such function or qualifier) and 408 (its file system or SnapStart snapshot was not ready in
 * time: {@code EFSMountTimeoutException}, {@code EFSMountConnectivityException}, {@code SnapStartTimeoutException})
 * at once, which a retry within seconds would not change. Any other status (400, 413, 415: the request
 * itself), and a response over Lambda's 6 MB limit, is an invoke failure. Only the error type of a failed response
 * is kept, never its payload.
 *
 * <p>A function error, and a response naming failed records, carry the Invoke response (its status,
 * {@code X-Amz-Executed-Version}, {@code X-Amz-Function-Error}) to the failure record's {@code responseContext}, as
 * in Lambda's own records: a mapping whose function is {@code my-fn:live} shows the version that alias ran, not
 * {@code $LATEST} (which stays when the header is absent, as from the Runtime Interface Emulator).
 *
 * <p>Requests are SigV4-signed, for the region {@link Targets} chose for the endpoint, with the worker's clock
 * corrected by the skew a refusal showed (see {@link #clockCorrected}). At an AWS endpoint ({@code *.amazonaws.com})
 * credentials that fail to resolve end the invocation as not invoked, saying what failed: real Lambda would refuse an
 * unsigned request. At any other endpoint (LocalStack, the Runtime Interface Emulator) a request is sent unsigned
 * when they do not resolve, and always with null credentials.
 */
public final class LambdaInvokeTarget implements Invoker.Json {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FUNCTION_ERROR = "X-Amz-Function-Error";
    private static final String EXECUTED_VERSION = "X-Amz-Executed-Version";
    /** The SDK's tolerance before it corrects its clock; AWS refuses signatures more than 5 minutes off. */
    private static final Duration SKEW_TOLERANCE = Duration.ofMinutes(4);
    private static final Logger LOG = LoggerFactory.getLogger(LambdaInvokeTarget.class);
    private final HttpClient client;
    private final URI uri;
    private final Duration timeout;
    private final @Nullable AwsCredentialsProvider credentials;
    private final String region;
    private final Backoff backoff;
    /** How far the endpoint's clock is ahead of the worker's, as its last refusal of a signature showed. */
    private volatile Duration clockSkew = Duration.ZERO;

    /**
     * @param endpoint    the Lambda endpoint, e.g. {@code https://lambda.eu-west-1.amazonaws.com} or a local one
     * @param function    the function's name, ARN or partial ARN, optionally with {@code :qualifier}
     * @param credentials for SigV4; null sends unsigned requests (the Runtime Interface Emulator needs none); at an
     *                    AWS endpoint a provider that fails ends the invocation as not invoked
     */
    public LambdaInvokeTarget(HttpClient client, URI endpoint, String function, Duration timeout,
                              @Nullable AwsCredentialsProvider credentials, String region) {
        this(client, endpoint, function, timeout, credentials, region, Backoff.DEFAULT);
    }

    LambdaInvokeTarget(HttpClient client, URI endpoint, String function, Duration timeout,
                       @Nullable AwsCredentialsProvider credentials, String region, Backoff backoff) {
        this.client = client;
        String base = endpoint.toString().replaceAll("/+$", "");
        this.uri = URI.create(base + "/2015-03-31/functions/"
                + URLEncoder.encode(function, StandardCharsets.UTF_8) + "/invocations");
        this.timeout = timeout;
        this.credentials = credentials;
        this.region = region;
        this.backoff = backoff;
    }

    @Override
    public Response invoke(String event) throws Exception {
        byte[] body = event.getBytes(StandardCharsets.UTF_8);
        HttpCalls.Reply reply = HttpCalls.send(client, left -> request(body, left), timeout, backoff,
                answer -> passing(answer) || clockCorrected(answer), "Lambda Invoke " + uri.getPath());
        int status = reply.status();
        String functionError = reply.headers().firstValue(FUNCTION_ERROR)
                .orElseGet(() -> status / 100 == 2 ? emulatorError(reply) : null);
        // What Lambda's own failure records show: the version an alias or qualifier ran ("3" for my-fn:live), which
        // the Runtime Interface Emulator does not send (it runs $LATEST).
        String executedVersion = reply.headers().firstValue(EXECUTED_VERSION).filter(v -> !v.isBlank())
                .orElse("$LATEST");
        if ((status / 100 == 2 || status >= 500) && functionError != null) {
            String errorType = errorType(reply.body());
            throw new FunctionErrorException("function " + uri.getPath() + " failed (" + functionError
                    + (errorType == null ? "" : ", errorType " + errorType) + ", executed version "
                    + executedVersion + ")", new ResponseContext(status, executedVersion, functionError));
        }
        if (status / 100 == 2) {
            return new Response(reply.body(), new ResponseContext(status, executedVersion, null));
        }
        String answer = "Lambda Invoke " + uri.getPath() + " answered status " + status
                + reply.headers().firstValue("x-amzn-ErrorType").map(t -> " " + t).orElse("");
        if (passing(reply)) {
            throw HttpCalls.retriedUntilTimeout(answer, timeout);
        }
        if (status == 403 || status == 404 || status == 408) {
            throw new FunctionNotInvokedException(answer);
        }
        throw new FunctionErrorException(answer);
    }

    /**
     * Lambda's own answers that may pass within seconds, retried here within the Timeout: throttled (429), the
     * function being created or updated ({@code ResourceConflictException}, 409), or a service error (5xx) without
     * the function's error header. The function did not run.
     */
    private static boolean passing(HttpCalls.Reply reply) {
        return (reply.status() == 429 || reply.status() == 409 || reply.status() >= 500)
                && reply.headers().firstValue(FUNCTION_ERROR).isEmpty();
    }

    /**
     * Signed anew for each attempt: the signature is dated (by the worker's clock corrected by the skew AWS showed),
     * and the credentials may have been renewed.
     */
    private HttpRequest request(byte[] body, Duration left) {
        return AwsSigning.request(SdkHttpMethod.POST, uri, body, Map.of("Content-Type", List.of("application/json"),
                        "X-Amz-Invocation-Type", List.of("RequestResponse")), identity(), "lambda", region, left,
                Clock.offset(Clock.systemUTC(), clockSkew));
    }

    /**
     * AWS refuses a signature dated more than 5 minutes off its own time (403 {@code InvalidSignatureException},
     * "Signature expired"), which a worker whose clock drifted would get for every batch, for good. As the SDK's
     * clients do, a refusal whose {@code Date} header is more than 4 minutes off the worker's (corrected) clock sets
     * the correction from it, and the request is signed again and retried; a refusal at the corrected time stands.
     */
    private boolean clockCorrected(HttpCalls.Reply reply) {
        if (reply.status() != 403 && reply.status() != 401) {
            return false;
        }
        Instant awsTime;
        try {
            awsTime = reply.headers().firstValue("Date")
                    .map(date -> ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant())
                    .orElse(null);
        } catch (DateTimeParseException e) {
            return false;
        }
        if (awsTime == null) {
            return false;
        }
        Duration skew = Duration.between(Instant.now(), awsTime);
        if (skew.minus(clockSkew).abs().compareTo(SKEW_TOLERANCE) <= 0) {
            return false;
        }
        LOG.atWarn().addKeyValue("function", uri.getPath()).addKeyValue("clockSkewSeconds", skew.toSeconds())
                .log("the worker's clock is off the Lambda endpoint's time; signing with the endpoint's time");
        clockSkew = skew;
        return true;
    }

    private @Nullable AwsCredentialsIdentity identity() {
        try {
            return AwsSigning.identity(credentials);
        } catch (AwsSigning.CredentialsException e) {
            if (!AwsSigning.isAwsEndpoint(uri)) {
                // An emulator: the Runtime Interface Emulator needs no signature, and one without credentials
                // is how a container image is tried out locally.
                return null;
            }
            throw new FunctionNotInvokedException("cannot sign the Lambda Invoke of " + uri.getPath() + ": "
                    + e.getMessage());
        }
    }

    /**
     * The Runtime Interface Emulator answers a failed invocation with 200 and the runtime's error object but without
     * {@code X-Amz-Function-Error}, which would read as success; it also sends no {@code x-amzn-RequestId}, which
     * Lambda and LocalStack always do, so only there is an error object without the header taken for an error.
     */
    private static @Nullable String emulatorError(HttpCalls.Reply reply) {
        if (reply.headers().firstValue("x-amzn-RequestId").isPresent()) {
            return null;
        }
        try {
            JsonNode body = JSON.readTree(reply.body());
            return body != null && body.isObject() && body.path("errorType").isTextual()
                    && body.path("errorMessage").isTextual() ? "Unhandled" : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static @Nullable String errorType(String body) {
        try {
            JsonNode error = JSON.readTree(body);
            return error != null && error.path("errorType").isTextual() ? error.get("errorType").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "Lambda " + uri;
    }
}
