package io.esm4j.worker.aws;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * SigV4 for the few AWS calls the worker makes on the JDK's HTTP client instead of an SDK client (Lambda Invoke,
 * Secrets Manager's GetSecretValue, MSK's GetBootstrapBrokers).
 */
public final class AwsSigning {

    /** Headers the JDK's client sets itself and refuses from callers; the signature covers them all the same. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private AwsSigning() {}

    /** The credentials provider failed: the message says which provider and why, without any credential. */
    public static final class CredentialsException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        CredentialsException(String message) {
            super(message);
        }
    }

    /**
     * The credentials to sign with; null without a provider (unsigned: a local endpoint such as the Runtime Interface
     * Emulator needs none).
     *
     * @throws CredentialsException when the provider fails; the caller decides whether unsigned would do
     */
    public static @Nullable AwsCredentialsIdentity identity(@Nullable AwsCredentialsProvider credentials) {
        if (credentials == null) {
            return null;
        }
        try {
            return credentials.resolveCredentials();
        } catch (RuntimeException e) {
            // Not the exception as a cause: its message is kept only in part (see below), and logs print causes.
            throw new CredentialsException("the AWS credentials provider " + credentials.getClass().getSimpleName()
                    + " failed (" + e.getClass().getSimpleName() + describe(e.getMessage()) + ")");
        }
    }

    /**
     * The SDK's message names the sources it tried and what each lacked, which is what an operator needs; a
     * credential_process's error output is cut off after "error message:", since what that program prints is not
     * the SDK's to vouch for.
     */
    private static String describe(@Nullable String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String kept = message.lines().findFirst().orElse("");
        int processOutput = kept.indexOf("error message:");
        if (processOutput >= 0) {
            kept = kept.substring(0, processOutput + "error message:".length()) + " (not shown)";
        }
        return ": " + (kept.length() > 500 ? kept.substring(0, 500) + "..." : kept);
    }

    /** Whether {@code endpoint} is AWS's own ({@code *.amazonaws.com}, China's {@code .com.cn}, {@code *.api.aws}). */
    public static boolean isAwsEndpoint(URI endpoint) {
        String host = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
        return host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn") || host.endsWith(".api.aws");
    }

    /**
     * A request with the given headers and, when there is an identity, SigV4's for the service's signing name and
     * the region. A GET has an empty body.
     */
    public static HttpRequest request(SdkHttpMethod method, URI uri, byte[] body, Map<String, List<String>> headers,
                                      @Nullable AwsCredentialsIdentity identity, String service, String region,
                                      Duration timeout) {
        return request(method, uri, body, headers, identity, service, region, timeout, Clock.systemUTC());
    }

    /**
     * The same, dated by {@code clock}: a clock corrected by the skew an AWS answer showed, as the SDK's clients
     * correct theirs (a signature more than 5 minutes off AWS's time is refused).
     */
    public static HttpRequest request(SdkHttpMethod method, URI uri, byte[] body, Map<String, List<String>> headers,
                                      @Nullable AwsCredentialsIdentity identity, String service, String region,
                                      Duration timeout, Clock clock) {
        Map<String, List<String>> all = headers;
        if (identity != null) {
            SdkHttpFullRequest.Builder unsigned = SdkHttpFullRequest.builder().method(method).uri(uri);
            headers.forEach(unsigned::putHeader);
            SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                    .identity(identity)
                    .request(unsigned.build())
                    .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
            all = signed.request().headers();
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method.name(), method == SdkHttpMethod.GET ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        all.forEach((name, values) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        return builder.build();
    }

    /** The service's regional endpoint, {@code https://<service>.<region>.amazonaws.com} (.com.cn in China). */
    public static URI regionalEndpoint(String service, String region) {
        return URI.create("https://" + service + "." + region + ".amazonaws.com" + (region.startsWith("cn-") ? ".cn"
                : ""));
    }
}
