package io.esm4j.worker.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's optional API authentication ({@code --api-keys FILE}): every call of Lambda's mapping API must be
 * signed with AWS Signature Version 4 by one of the keys of the file, as the AWS CLI and SDKs sign their calls with
 * the access key they are configured with. Other requests are answered 403 with Lambda's error code and a message
 * saying what was wrong, and logged with the code (never a secret). The file has one {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY}
 * per line; blank lines and lines starting with '#' are skipped.
 */
public final class ApiAuthentication extends Filter {

    private static final Logger LOG = LoggerFactory.getLogger(ApiAuthentication.class);
    private final SigV4Verifier verifier;
    private final Clock clock;

    ApiAuthentication(Map<String, String> secrets, Clock clock) {
        this.verifier = new SigV4Verifier(secrets);
        this.clock = clock;
    }

    /** Reads the keys file; an error names the file and line, never the secret. */
    public static ApiAuthentication fromFile(Path file) throws IOException {
        Map<String, String> secrets = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || colon == line.length() - 1) {
                throw new IllegalArgumentException("Invalid value for --api-keys: line " + (i + 1) + " of " + file
                        + ". Expected ACCESS_KEY_ID:SECRET_ACCESS_KEY.");
            }
            secrets.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("Invalid value for --api-keys: " + file + " has no key. Expected "
                    + "lines of ACCESS_KEY_ID:SECRET_ACCESS_KEY.");
        }
        return new ApiAuthentication(secrets, Clock.systemUTC());
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        byte[][] body = new byte[1][];
        SigV4Verifier.Result result;
        try {
            RequestBodies.checkDeclaredLength(exchange);
            // The body is read only once the headers passed: an unsigned request or one of an unknown key is
            // answered at once, whatever body it announces or trickles in.
            result = verifier.verify(new SigV4Verifier.Request(exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
                    name -> exchange.getRequestHeaders().get(name)), clock.instant(),
                    () -> body[0] = RequestBodies.read(exchange));
        } catch (RequestBodies.TooLargeException e) {
            try (exchange) {
                RequestBodies.tooLarge(exchange);
            }
            return;
        }
        if (result instanceof SigV4Verifier.Result.Denied denied) {
            // The caller gets the whole message; the log keeps the code (a message is not one key=value field).
            LOG.warn("api request denied method={} path={} code={}", exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(), denied.code());
            try (exchange) {
                Exchanges.error(exchange, 403, denied.code(), denied.message());
            }
            return;
        }
        exchange.setStreams(new ByteArrayInputStream(body[0]), null);
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "AWS Signature Version 4 on Lambda's mapping API";
    }
}
