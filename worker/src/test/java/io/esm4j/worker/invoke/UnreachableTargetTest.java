package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.FunctionNotInvokedException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A target whose connections hang (a firewall that drops them, a private subnet without a route to Lambda): the
 * function was never reached, however long the worker waited, so the batch is not invoked rather than a timed-out
 * function, which would use up a retry attempt and bisect. A listening socket that never accepts, its backlog full,
 * stands in: Linux then drops the connection requests, as a black hole does.
 */
class UnreachableTargetTest {

    private static final Backoff QUICK = new Backoff(Duration.ofMillis(20), Duration.ofMillis(20));
    private static ServerSocket blackHole;
    private static final List<Socket> queued = new ArrayList<>();
    private static boolean hangs;

    @BeforeAll
    static void fillTheBacklog() throws IOException {
        blackHole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 16 && !hangs; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(blackHole.getLocalSocketAddress(), 500);
                queued.add(socket);
            } catch (SocketTimeoutException e) {
                hangs = true;
                socket.close();
            }
        }
    }

    @AfterAll
    static void close() throws IOException {
        for (Socket socket : queued) {
            socket.close();
        }
        blackHole.close();
    }

    private static URI base() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) blackHole.getLocalSocketAddress()).getPort());
    }

    /**
     * The invocation as a mapping makes it: within the limits of an HTTP target, whose Timeout started first and which
     * wait for the target's own outcome.
     */
    private static void invokeWithinLimits(Invoker.Json target, Duration timeout) throws Exception {
        TargetLimits limits = TargetLimits.selfTimed("unreachable", 1, timeout);
        BatchHandler<String> handler = limits.wrap(batch -> {
            target.invoke("{}");
            return null;
        });
        handler.handle(new Batch<>(List.of("a"), "p", "arn", 1, null));
    }

    @Test
    void aLambdaEndpointThatNeverAnswersTheConnectionIsNotInvoked() {
        assumeTrue(hangs, "this system accepts connections past a full backlog");
        Duration timeout = Duration.ofSeconds(1);
        LambdaInvokeTarget target = new LambdaInvokeTarget(HttpClient.newHttpClient(), base(), "orders", timeout,
                null, "us-east-1", QUICK);

        assertThatThrownBy(() -> invokeWithinLimits(target, timeout))
                .isInstanceOf(FunctionNotInvokedException.class).hasMessageContaining("could not be reached");
    }

    @Test
    void aUrlThatNeverAnswersTheConnectionIsNotInvoked() {
        assumeTrue(hangs, "this system accepts connections past a full backlog");
        Duration timeout = Duration.ofSeconds(1);
        HttpUrlTarget target = new HttpUrlTarget(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .build(), base().resolve("/fn"), timeout, QUICK);

        assertThatThrownBy(() -> invokeWithinLimits(target, timeout))
                .isInstanceOf(FunctionNotInvokedException.class).hasMessageContaining("could not be reached");
    }
}
