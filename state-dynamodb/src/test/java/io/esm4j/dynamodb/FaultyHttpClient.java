package io.esm4j.dynamodb;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * One worker's network to DynamoDB, around a real HTTP client: it can inject throttling and 5xx answers before a
 * request reaches the server, lose the response of a request the server applied, be cut off (every call refused, as
 * in a partition) or be paused (every call waits until resumed, as in a long GC pause). The SDK above it sees what
 * it would see from AWS, so its own retry policy is what is tested.
 */
final class FaultyHttpClient implements SdkHttpClient {

    /** What happens to one request. */
    enum Fault {
        NONE,
        /** 400 ProvisionedThroughputExceededException; the server never sees the request. */
        THROTTLE,
        /** 500 InternalServerError; the server never sees the request. */
        SERVER_ERROR,
        /** The server applies the request, then the caller gets a 500 instead of its response. */
        RESPONSE_LOST,
        /**
         * The request is held up on its way and the caller gets a 500 (as after a timeout); it reaches the server
         * only at {@link #deliverHeld()}, after whatever the caller sent since.
         */
        DELAYED
    }

    /** Decides each request's fault from its DynamoDB operation (e.g. "UpdateItem") and its number in this client. */
    @FunctionalInterface
    interface Policy {
        Fault decide(String operation, long requestNumber);
    }

    private final SdkHttpClient delegate;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong injected = new AtomicLong();
    private final Map<Fault, AtomicLong> injectedByKind = new EnumMap<>(Fault.class);
    private volatile Policy policy = (operation, n) -> Fault.NONE;
    private volatile boolean cutOff;
    private volatile CountDownLatch paused = new CountDownLatch(0);
    private final Queue<HttpExecuteRequest> held = new ConcurrentLinkedQueue<>();

    FaultyHttpClient(SdkHttpClient delegate) {
        this.delegate = delegate;
        for (Fault fault : Fault.values()) {
            injectedByKind.put(fault, new AtomicLong());
        }
    }

    void policy(Policy policy) {
        this.policy = policy;
    }

    void cutOff() {
        cutOff = true;
    }

    void pause() {
        paused = new CountDownLatch(1);
    }

    void resume() {
        paused.countDown();
    }

    /** Sends the requests held up by {@link Fault#DELAYED} to the server now; returns the HTTP status of each. */
    List<Integer> deliverHeld() throws IOException {
        List<Integer> statuses = new ArrayList<>();
        for (HttpExecuteRequest request = held.poll(); request != null; request = held.poll()) {
            HttpExecuteResponse response = delegate.prepareRequest(request).call();
            response.responseBody().ifPresent(FaultyHttpClient::closeQuietly);
            statuses.add(response.httpResponse().statusCode());
        }
        return statuses;
    }

    /** Faults injected so far, refused connections included. */
    long injected() {
        return injected.get();
    }

    /** Faults of one kind injected so far. */
    long injected(Fault fault) {
        return injectedByKind.get(fault).get();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse("");
        String operation = target.substring(target.indexOf('.') + 1);
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                try {
                    paused.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while the network was paused", e);
                }
                if (cutOff) {
                    injected.incrementAndGet();
                    throw new ConnectException("Connection refused (injected: this worker is cut off)");
                }
                Fault fault = policy.decide(operation, requests.incrementAndGet());
                if (fault != Fault.NONE) {
                    injected.incrementAndGet();
                    injectedByKind.get(fault).incrementAndGet();
                }
                return switch (fault) {
                    case NONE -> delegate.prepareRequest(request).call();
                    case THROTTLE -> error(400, "ProvisionedThroughputExceededException");
                    case SERVER_ERROR -> error(500, "InternalServerError");
                    case DELAYED -> {
                        held.add(request);
                        yield error(500, "InternalServerError");
                    }
                    case RESPONSE_LOST -> {
                        HttpExecuteResponse applied = delegate.prepareRequest(request).call();
                        applied.responseBody().ifPresent(FaultyHttpClient::closeQuietly);
                        yield error(500, "InternalServerError");
                    }
                };
            }

            @Override
            public void abort() {
                // Nothing of ours to abort: a delegated call is aborted by the SDK's own timeouts.
            }
        };
    }

    private static HttpExecuteResponse error(int status, String type) {
        byte[] body = ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + type
                + "\",\"message\":\"injected by the test\"}").getBytes(StandardCharsets.UTF_8);
        SdkHttpResponse response = SdkHttpResponse.builder().statusCode(status)
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("Content-Length", Integer.toString(body.length)).build();
        return HttpExecuteResponse.builder().response(response)
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body))).build();
    }

    private static void closeQuietly(AbortableInputStream body) {
        try {
            body.close();
        } catch (IOException e) {
            // The response is being thrown away anyway.
        }
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String clientName() {
        return "faulty-" + delegate.clientName();
    }
}
