package io.esm4j.worker.mappings;

import io.esm4j.worker.config.MappingSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * The stable UUID of a mapping of the file: the same on every worker and at every start, since it names the mapping's
 * leases and checkpoints and its default Kafka consumer group. It is made from the source and the FunctionName, with a
 * URL's credentials left out (its user info and the query parameters named like credentials): with them, the UUID of
 * a mapping to {@code https://user:password@host/...} could be checked offline against guessed passwords (an MD5 is
 * cheap), and rotating the password would rename the mapping and lose its checkpoints. A FunctionName without
 * credentials gives the very text, hence the UUID, of earlier versions.
 */
final class FileMappingIds {

    /** Query parameter names that are credentials as they are, compared in lower case. */
    private static final Set<String> CREDENTIAL_NAMES = Set.of("key", "code", "sig", "auth", "pass", "pwd");
    /** Parts of query parameter names that say a credential, compared in lower case. */
    private static final List<String> CREDENTIAL_PARTS = List.of("token", "secret", "passw", "signature",
            "credential", "apikey", "api_key", "api-key", "authorization", "access_key", "accesskey");

    private FileMappingIds() {}

    static String uuid(MappingSpec spec) {
        return UUID.nameUUIDFromBytes((spec.source() + "\n" + withoutCredentials(spec.functionName()))
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * An {@code http://} or {@code https://} FunctionName without its user info and its credential query parameters,
     * the other parameters kept as written and in their order; any other FunctionName, or one with nothing to leave
     * out, as it is.
     */
    static String withoutCredentials(String functionName) {
        String lower = functionName.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
            return functionName;
        }
        URI uri;
        try {
            uri = new URI(functionName);
        } catch (URISyntaxException e) {
            return functionName;
        }
        String result = functionName;
        String userInfo = uri.getRawUserInfo();
        String prefix = functionName.substring(0, functionName.indexOf("://") + 3);
        if (userInfo != null && result.startsWith(prefix + userInfo + "@")) {
            result = prefix + result.substring(prefix.length() + userInfo.length() + 1);
        }
        String query = uri.getRawQuery();
        int start = result.indexOf('?');
        if (query != null && start >= 0 && result.startsWith(query, start + 1)) {
            List<String> kept = new ArrayList<>();
            for (String parameter : query.split("&", -1)) {
                if (!isCredential(parameter)) {
                    kept.add(parameter);
                }
            }
            if (kept.size() < query.split("&", -1).length) {
                result = result.substring(0, start) + (kept.isEmpty() ? "" : "?" + String.join("&", kept))
                        + result.substring(start + 1 + query.length());
            }
        }
        return result;
    }

    private static boolean isCredential(String parameter) {
        String name = parameter.contains("=") ? parameter.substring(0, parameter.indexOf('=')) : parameter;
        try {
            name = URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // A malformed escape: compared as written.
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return CREDENTIAL_NAMES.contains(lower) || CREDENTIAL_PARTS.stream().anyMatch(lower::contains);
    }
}
