package io.esm4j.worker.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The verifier on requests signed here: by the AWS SDK's signer, with query parameters whose sorted order depends on
 * sorting by name first; and by hand, with a credential scope whose date is not the whole day of x-amz-date (a
 * signing key is derived for one day, so a scope of "2026" or "" would make a key derived for it good for every
 * day; the SDKs always put the whole day in the scope).
 */
class SigV4VerifierTest {

    private static final String KEY = "AKIDSCOPE";
    private static final String SECRET = "scope-secret";
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final String AMZ_DATE = "20261207T100000Z";

    private final SigV4Verifier verifier = new SigV4Verifier(Map.of(KEY, SECRET));

    @Test
    void aScopeOfTheSigningDayPasses() throws Exception {
        assertThat(verifier.verify(request("20261207"), NOW, () -> new byte[0]))
                .isEqualTo(new SigV4Verifier.Result.Verified(KEY));
    }

    @Test
    void aScopeOfAnotherOrAPartialDayIsRefused() throws Exception {
        for (String day : List.of("2026", "", "20261206")) {
            assertThat(verifier.verify(request(day), NOW, () -> new byte[0])).as(day)
                    .isInstanceOfSatisfying(SigV4Verifier.Result.Denied.class,
                            denied -> assertThat(denied.code()).isEqualTo("InvalidSignatureException"));
        }
    }

    /**
     * SigV4 sorts the query by parameter name, then value: "Max" before "Max1", although "Max1=" sorts before
     * "Max=" as text ('1' before '=').
     */
    @Test
    void queryParametersAreSortedByNameThenValue() throws Exception {
        String query = "Max1=2&Max=1&b=2&b=10";
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(KEY, SECRET))
                .request(SdkHttpFullRequest.builder().method(SdkHttpMethod.GET)
                        .uri(URI.create("http://worker:8080/2015-03-31/event-source-mappings/?" + query)).build())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)));
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(signed.request().headers());
        headers.putIfAbsent("host", List.of("worker:8080"));

        assertThat(verifier.verify(new SigV4Verifier.Request("GET", "/2015-03-31/event-source-mappings/", query,
                headers::get), NOW, () -> new byte[0])).isEqualTo(new SigV4Verifier.Result.Verified(KEY));
    }

    /** GET of the list, signed with a key derived for {@code day}, which is also the credential's date. */
    private static SigV4Verifier.Request request(String day) throws Exception {
        String scope = day + "/us-east-1/lambda/aws4_request";
        String canonical = String.join("\n", "GET", "/2015-03-31/event-source-mappings/", "",
                "host:worker:8080\nx-amz-date:" + AMZ_DATE + "\n", "host;x-amz-date", hex(sha256(new byte[0])));
        String toSign = String.join("\n", "AWS4-HMAC-SHA256", AMZ_DATE, scope,
                hex(sha256(canonical.getBytes(StandardCharsets.UTF_8))));
        byte[] key = ("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8);
        for (String part : List.of(day, "us-east-1", "lambda", "aws4_request")) {
            key = hmac(key, part);
        }
        String authorization = "AWS4-HMAC-SHA256 Credential=" + KEY + "/" + scope
                + ", SignedHeaders=host;x-amz-date, Signature=" + hex(hmac(key, toSign));
        Map<String, List<String>> headers = Map.of("authorization", List.of(authorization), "host",
                List.of("worker:8080"), "x-amz-date", List.of(AMZ_DATE));
        return new SigV4Verifier.Request("GET", "/2015-03-31/event-source-mappings/", null, headers::get);
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
