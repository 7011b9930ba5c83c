package io.esm4j.worker.aws;

import java.net.URI;
import java.util.List;
import java.util.Map;
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
 * Secrets Manager's GetSecretValue): the signed request's headers for a POST with a body.
 */
public final class AwsSigning {

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

    /** The headers of the POST, with SigV4's added, for the service's signing name and the region. */
    public static Map<String, List<String>> signPost(URI uri, byte[] body, Map<String, List<String>> headers,
                                                     AwsCredentialsIdentity identity, String service, String region) {
        SdkHttpFullRequest.Builder unsigned = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(uri);
        headers.forEach(unsigned::putHeader);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(identity)
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        return signed.request().headers();
    }
}
