package io.esm4j.sqs;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;

/**
 * The SDK's default HTTP client, with the first ReceiveMessage attempts failing the way a network or a busy
 * connection pool makes them fail; the SDK's own retries see every attempt.
 */
final class FaultyReceives implements SdkHttpClient {

    enum Fault {
        /** SQS handles the receive, but its answer is lost: the SDK sees a broken connection. */
        LOSE_ANSWER,
        /** The receive never leaves: no pooled connection became free in time. */
        POOL_TIMEOUT
    }

    private final SdkHttpClient http = ApacheHttpClient.create();
    private final AtomicInteger receives = new AtomicInteger();
    private final Fault fault;
    private final int faultyAttempts;

    FaultyReceives(Fault fault, int faultyAttempts) {
        this.fault = fault;
        this.faultyAttempts = faultyAttempts;
    }

    /** ReceiveMessage attempts so far, failed ones included. */
    int receives() {
        return receives.get();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        ExecutableHttpRequest real = http.prepareRequest(request);
        boolean receive = request.httpRequest().firstMatchingHeader("X-Amz-Target")
                .filter(target -> target.endsWith(".ReceiveMessage")).isPresent();
        if (!receive || receives.getAndIncrement() >= faultyAttempts) {
            return real;
        }
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                if (fault == Fault.POOL_TIMEOUT) {
                    throw new ConnectionPoolTimeoutException("Timeout waiting for connection from pool (test)");
                }
                HttpExecuteResponse answer = real.call();
                if (answer.responseBody().isPresent()) {
                    answer.responseBody().get().close();
                }
                throw new IOException("connection reset (test)");
            }

            @Override
            public void abort() {
                real.abort();
            }
        };
    }

    @Override
    public void close() {
        http.close();
    }
}
