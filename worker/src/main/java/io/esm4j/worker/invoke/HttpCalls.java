package io.esm4j.worker.invoke;

import io.esm4j.handler.FunctionErrorException;
import io.esm4j.handler.FunctionNotInvokedException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One invocation over HTTP, shared by the Lambda Invoke and URL targets: the answers the target says the function
 * never saw (a throttle, a service error) and I/O failures are retried with backoff until the function's timeout has
 * passed, and a response body is read only up to Lambda's response limit. A connection that could not be made at
 * all, when no time is left, ends in {@link FunctionNotInvokedException}: the function was not reached.
 */
final class HttpCalls {

    /** Lambda's limit on a synchronous invocation's response, 6 MB, in the bytes its own error message names. */
    static final int MAX_RESPONSE_BYTES = 6_291_556;
    /** The least time an attempt after a backoff is given. */
    private static final Duration LAST_ATTEMPT = Duration.ofMillis(100);
    /**
     * The attempts end this long before the function's timeout. The timeout around the call ({@link TargetLimits})
     * started a moment before, and an attempt cut at the same instant would lose the race to it: a connection that
     * hangs to the end (a firewall dropping it) would become a timed-out function, a function error, instead of a
     * function not reached.
     */
    private static final Duration BEFORE_TIMEOUT = Duration.ofMillis(100);

    private HttpCalls() {}

    /** A response whose body was read whole. */
    record Reply(int status, HttpHeaders headers, String body) {}

    /**
     * Sends until an answer that is not retried, or until {@code timeout} has nearly passed; each attempt may take
     * only the time left, less a margin that lets it end before the function's timeout fires. When time runs out the last retried answer is returned, or the last I/O failure thrown.
     *
     * @param request   the request of one attempt, given the time it may take (a signed request is signed anew)
     * @param retryable the answers to retry: those the function never saw, never its own answer, which would run it
     *                  again
     * @param target    names the target in errors; never a URL's query or user info
     * @throws FunctionNotInvokedException when the last attempt could not connect
     */
    static Reply send(HttpClient client, Function<Duration, HttpRequest> request, Duration timeout, Backoff backoff,
                      Predicate<Reply> retryable, String target)
            throws IOException, InterruptedException, FunctionErrorException {
        long deadline = System.nanoTime() + Math.max(timeout.minus(BEFORE_TIMEOUT).toNanos(), timeout.toNanos() / 2);
        for (int attempt = 1; ; attempt++) {
            Reply reply;
            try {
                reply = once(client, request.apply(left(deadline)), target);
            } catch (IOException e) {
                if (!pause(backoff, attempt, deadline)) {
                    if (notReached(e)) {
                        // The JDK's message, not the request's URL.
                        throw new FunctionNotInvokedException(target + " could not be reached within the function's"
                                + " Timeout (" + e.getClass().getSimpleName()
                                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
                    }
                    throw e;
                }
                continue;
            }
            if (!retryable.test(reply) || !pause(backoff, attempt, deadline)) {
                return reply;
            }
        }
    }

    /**
     * The function was not reached: {@code answer} (e.g. {@code HTTP target ... answered status 429}), an answer the
     * target retries, still came when the Timeout left no time for another attempt.
     */
    static FunctionNotInvokedException retriedUntilTimeout(String answer, Duration timeout) {
        return new FunctionNotInvokedException(answer + " until the function's Timeout of " + timeout.toSeconds()
                + " s had no time left for another attempt");
    }

    /**
     * A connection refused or never opened means the request did not leave: the function was not reached. Any other
     * I/O failure (a reset, a timeout while waiting for the answer) may have come after the function ran, so it
     * stays a failure of the function.
     */
    private static boolean notReached(IOException e) {
        return e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
    }

    private static Reply once(HttpClient client, HttpRequest request, String target)
            throws IOException, InterruptedException, FunctionErrorException {
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        // Closing the stream before its end drops the rest of an oversized body instead of reading it.
        try (InputStream in = response.body()) {
            byte[] body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            if (body.length > MAX_RESPONSE_BYTES) {
                throw new FunctionErrorException(target + " answered status " + response.statusCode()
                        + " with a body over " + MAX_RESPONSE_BYTES + " bytes, Lambda's response limit"
                        + " (Function.ResponseSizeTooLarge)");
            }
            return new Reply(response.statusCode(), response.headers(), new String(body, StandardCharsets.UTF_8));
        }
    }

    /**
     * Waits before the next attempt; false, without waiting, if less than {@link #LAST_ATTEMPT} would be left for it.
     * The function's timeout around the call ({@link TargetLimits}) started a moment before this deadline: an attempt
     * squeezed into the last milliseconds would let it fire first and turn a throttled call into a timed-out one.
     */
    private static boolean pause(Backoff backoff, int attempt, long deadline) throws InterruptedException {
        Duration delay = backoff.delay(attempt);
        if (delay.plus(LAST_ATTEMPT).compareTo(left(deadline)) >= 0) {
            return false;
        }
        Thread.sleep(delay);
        return true;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }
}
