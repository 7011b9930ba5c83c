package io.esm4j.worker.aws;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
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

    /** Credentials if there are any: a local endpoint such as the Runtime Interface Emulator needs none. */
    public static @Nullable AwsCredentialsIdentity identity(@Nullable AwsCredentialsProvider credentials) {
        if (credentials == null) {
            return null;
        }
        try {
            return credentials.resolveCredentials();
        } catch (SdkClientException e) {
            return null;
        }
    }

    /**
     * A request with the given headers and, when there is an identity, SigV4's for the service's signing name and
     * the region. A GET has an empty body.
     */
    public static HttpRequest request(SdkHttpMethod method, URI uri, byte[] body, Map<String, List<String>> headers,
                                      @Nullable AwsCredentialsIdentity identity, String service, String region,
                                      Duration timeout) {
        Map<String, List<String>> all = headers;
        if (identity != null) {
            SdkHttpFullRequest.Builder unsigned = SdkHttpFullRequest.builder().method(method).uri(uri);
            headers.forEach(unsigned::putHeader);
            SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                    .identity(identity)
                    .request(unsigned.build())
                    .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region));
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
