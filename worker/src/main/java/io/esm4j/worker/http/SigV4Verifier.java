package io.esm4j.worker.http;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Checks AWS Signature Version 4 on a request, as Lambda's endpoint does: the AWS CLI and SDKs sign every call with
 * the caller's access key, so a worker that knows the secret of each accepted key can tell its callers apart from
 * anyone else who reaches the port. The signature is computed again from the request (canonical request, string to
 * sign, signing key derived from the secret, date, region and service {@value #SERVICE}) and compared in constant
 * time; the body must be signed (its SHA-256 is part of the canonical request), and the signing time must be within
 * {@link #MAX_SKEW} of the worker's clock, so a captured request cannot be replayed later. Everything the headers
 * alone decide (the Authorization header's form, the key, the service, the time) is checked before the body is read,
 * so that a request nobody could have signed is refused without waiting for, or holding, its body.
 */
final class SigV4Verifier {

    static final String SERVICE = "lambda";
    static final Duration MAX_SKEW = Duration.ofMinutes(15);
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    /** The outcome: the caller's access key id, or Lambda's error code and message. */
    sealed interface Result {
        record Verified(String accessKeyId) implements Result {}

        record Denied(String code, String message) implements Result {}
    }

    /** One request as received, but its body. */
    record Request(String method, String rawPath, @Nullable String rawQuery,
                   Function<String, @Nullable List<String>> headers) {}

    /** Reads the request's body; called only once the headers passed, at most once. */
    interface Body {
        byte[] read() throws IOException;
    }

    private final Map<String, String> secrets;

    /** @param secrets secret access key by access key id */
    SigV4Verifier(Map<String, String> secrets) {
        this.secrets = Map.copyOf(secrets);
    }

    Result verify(Request request, Instant now, Body body) throws IOException {
        String authorization = header(request, "authorization");
        if (authorization == null || !authorization.startsWith(ALGORITHM + " ")) {
            return new Result.Denied("MissingAuthenticationTokenException", "Missing Authentication Token: the "
                    + "worker's API requires requests signed with AWS Signature Version 4 (" + ALGORITHM + ").");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : authorization.substring(ALGORITHM.length() + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        String[] scope = parts.getOrDefault("Credential", "").split("/");
        String signedHeaders = parts.get("SignedHeaders");
        String signature = parts.get("Signature");
        if (scope.length != 5 || signedHeaders == null || signature == null || !scope[4].equals("aws4_request")) {
            return denied("IncompleteSignatureException", "The Authorization header is not a complete "
                    + ALGORITHM + " header (Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders, "
                    + "Signature).");
        }
        String secret = secrets.get(scope[0]);
        if (secret == null) {
            return denied("UnrecognizedClientException", "The security token included in the request is invalid: "
                    + "the access key " + scope[0] + " is not one of the worker's API keys.");
        }
        if (!scope[3].equals(SERVICE)) {
            return denied("InvalidSignatureException", "Credential should be scoped to correct service: '"
                    + SERVICE + "', not '" + scope[3] + "'.");
        }
        List<String> signed = List.of(signedHeaders.split(";"));
        String amzDate = header(request, "x-amz-date");
        if (!signed.contains("host") || !signed.contains("x-amz-date") || amzDate == null) {
            return denied("IncompleteSignatureException", "The signature must cover the host and x-amz-date "
                    + "headers.");
        }
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            return denied("IncompleteSignatureException", "x-amz-date is not yyyyMMdd'T'HHmmss'Z': " + amzDate);
        }
        if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
            return denied("InvalidSignatureException", "Signature expired: " + amzDate + " is more than "
                    + MAX_SKEW.toMinutes() + " minutes from the worker's time " + AMZ_DATE.format(now) + ".");
        }
        // The whole day: a signing key is derived for one day, and a scope of "2026" (or "") would be every day's.
        if (!scope[1].equals(amzDate.substring(0, 8))) {
            return denied("InvalidSignatureException", "The credential's date " + scope[1]
                    + " is not the date of x-amz-date " + amzDate + ".");
        }
        String canonical = String.join("\n", request.method(), canonicalUri(request.rawPath()),
                canonicalQuery(request.rawQuery()), canonicalHeaders(request, signed), signedHeaders,
                HEX.formatHex(sha256(body.read())));
        String credentialScope = String.join("/", scope[1], scope[2], scope[3], scope[4]);
        String toSign = String.join("\n", ALGORITHM, amzDate, credentialScope,
                HEX.formatHex(sha256(canonical.getBytes(StandardCharsets.UTF_8))));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), scope[1]);
        key = hmac(key, scope[2]);
        key = hmac(key, scope[3]);
        key = hmac(key, scope[4]);
        byte[] expected = HEX.formatHex(hmac(key, toSign)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            return denied("InvalidSignatureException", "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method.");
        }
        return new Result.Verified(scope[0]);
    }

    private static Result denied(String code, String message) {
        return new Result.Denied(code, message);
    }

    private static @Nullable String header(Request request, String name) {
        List<String> values = request.headers().apply(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** Each segment of the path as received, encoded once more (SigV4's double encoding for services but S3). */
    private static String canonicalUri(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/", -1)) {
            segments.add(encode(segment));
        }
        return String.join("/", segments);
    }

    private static String canonicalQuery(@Nullable String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            pairs.add(new String[] {encode(name), encode(value)});
        }
        // By name, then value, as SigV4 sorts: not as "name=value" text, where "Max1=" comes before "Max=".
        pairs.sort(Comparator.<String[], String>comparing(pair -> pair[0]).thenComparing(pair -> pair[1]));
        List<String> joined = new ArrayList<>();
        pairs.forEach(pair -> joined.add(pair[0] + "=" + pair[1]));
        return String.join("&", joined);
    }

    private static String canonicalHeaders(Request request, List<String> signed) {
        StringBuilder headers = new StringBuilder();
        for (String name : signed) {
            List<String> values = request.headers().apply(name);
            List<String> trimmed = new ArrayList<>();
            if (values != null) {
                values.forEach(value -> trimmed.add(value.trim().replaceAll(" +", " ")));
            }
            headers.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        return headers.toString();
    }

    /** RFC 3986 percent-encoding: everything but A–Z, a–z, 0–9, '-', '_', '.', '~'. */
    private static String encode(String value) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~') {
                encoded.append(c);
            } else {
                encoded.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return encoded.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
        }
    }
}
