package io.esm4j.worker.config;

import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.IntSetting;
import io.esm4j.settings.StreamSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a mapping's {@code FunctionName} is invoked, with the target's limits.
 *
 * @param name           the function name mappings use
 * @param kind           the kind of target
 * @param location       the Lambda function name or ARN, the URL, or the handler class
 * @param endpoint       for {@link Kind#LAMBDA}: the Lambda endpoint (a LocalStack, the Runtime Interface Emulator),
 *                       or null for the SDK's default endpoint of the region
 * @param timeout        how long one invocation may take before it counts as failed
 * @param maxConcurrency invocations of this target in flight at once, across the worker's mappings
 * @param handlerThreads the kind of thread each invocation runs on: {@link HandlerThreads#PLATFORM} for a
 *                       {@link Kind#JAVA} handler that blocks pinned to a carrier (the mappings file takes it for
 *                       no other kind: no code of the user's runs on their threads)
 */
public record FunctionSpec(String name, Kind kind, String location, @Nullable URI endpoint, Duration timeout,
                           int maxConcurrency, HandlerThreads handlerThreads) {

    public static final IntSetting TIMEOUT = new IntSetting("Timeout", 1, 900, null, 60,
            "Seconds one invocation of the function may take; then it counts as a failed invocation.");
    public static final IntSetting MAXIMUM_CONCURRENCY = new IntSetting("MaximumConcurrency", 1, 10_000, null, 100,
            "Invocations of the function in flight at once, across every mapping of the worker.");
    /** The library's HandlerThreads (its name, values and default), for a Java handler's invocations. */
    public static final Setting HANDLER_THREADS = new Setting.Described(StreamSettings.HANDLER_THREADS.name(),
            StreamSettings.HANDLER_THREADS.range(), StreamSettings.HANDLER_THREADS.defaultText(), "Handler targets only: the thread each invocation of the Java handler "
            + "runs on. A virtual thread that blocks pinned to its carrier (on Java 21–23 inside synchronized, as "
            + "older JDBC drivers and many clients do; on any Java in a class initializer or a native call) holds "
            + "one of the carriers, as many as cores: invocations in flight are capped at that, and the worker's own "
            + "virtual threads (shard readers, checkpoint writes, visibility heartbeats) wait. PLATFORM runs each "
            + "invocation on a daemon platform thread.");
    /** Every function setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(TIMEOUT, MAXIMUM_CONCURRENCY, HANDLER_THREADS);

    /** The kinds of invoke targets. */
    public enum Kind {
        /** Lambda's Invoke API: real Lambda, LocalStack, the Runtime Interface Emulator. */
        LAMBDA,
        /** A POST of the event JSON to a URL; the response body is read as the function's response. */
        URL,
        /** A class on the worker's class path implementing Lambda's {@code RequestHandler}. */
        JAVA
    }

    public FunctionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(timeout, "timeout");
        TIMEOUT.check((int) Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
        MAXIMUM_CONCURRENCY.check(maxConcurrency);
        Objects.requireNonNull(handlerThreads, "handlerThreads");
    }

    /**
     * The name to show on the status page and in logs. A URL given as the mapping's FunctionName is the name too, and
     * its user info, query and fragment may carry a password or a token: they are masked ({@link #shownName}).
     */
    public String displayName() {
        return shownName(name);
    }

    /**
     * A mapping's FunctionName as the worker shows it anywhere outside (the API's FunctionArn, failure records, the
     * status page, logs, errors): an {@code http://} or {@code https://} URL as {@link #shownUrl(String)} shows it,
     * any other name as it is. The one masking of function names, so that every output hides the same parts.
     */
    public static String shownName(String functionName) {
        return functionName.startsWith("http://") || functionName.startsWith("https://")
                ? shownUrl(functionName) : functionName;
    }

    /** A URL as errors, logs and pages may show it: {@link #shownUrl(String)} of its text. */
    public static String shownUrl(URI url) {
        return shownUrl(url.toString());
    }

    /** Whether the value is a URL as {@link #shownUrl(String)} shows it, its user info or query masked. */
    public static boolean masked(String value) {
        return value.contains("://...@") || value.endsWith("?...");
    }

    /**
     * A value given as a URL, as an error may quote it, even when it does not parse: its user info (a password) is
     * shown as {@code ...@} and its query or fragment (a token) as {@code ?...}; the scheme, host, port and path stay,
     * so the reader still sees which URL was wrong.
     */
    public static String shownUrl(String value) {
        int scheme = value.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int end = indexOfAny(value, "/?#", start);
        String authority = value.substring(start, end);
        int at = authority.lastIndexOf('@');
        String rest = value.substring(end);
        int query = indexOfAny(rest, "?#", 0);
        return value.substring(0, start) + (at < 0 ? authority : "...@" + authority.substring(at + 1))
                + (query == rest.length() ? rest : rest.substring(0, query) + "?...");
    }

    private static int indexOfAny(String text, String characters, int from) {
        for (int i = from; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    /** A target with the default limits. */
    public static FunctionSpec of(String name, Kind kind, String location, @Nullable URI endpoint) {
        return new FunctionSpec(name, kind, location, endpoint, Duration.ofSeconds(TIMEOUT.defaultValue()),
                MAXIMUM_CONCURRENCY.defaultValue(), HandlerThreads.VIRTUAL);
    }
}
