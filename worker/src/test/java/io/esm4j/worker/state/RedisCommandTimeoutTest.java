package io.esm4j.worker.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.mappings.SourcePairs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis that accepts connections and never answers (a half-open connection, a server paused or partitioned away)
 * costs a call the worker's command timeout, not Lettuce's default of 60 s: a lease renewal must be answered well
 * within FailoverTime (10 s), or the worker loses its shards while it waits, and every API call, which reads a Redis
 * mapping store first, would hang as long.
 */
class RedisCommandTimeoutTest {

    private ServerSocket silent;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startSilentServer() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stopSilentServer() throws IOException {
        silent.close();
        for (Socket socket : held) {
            socket.close();
        }
    }

    /**
     * A server that accepts connections and never answers does not hold the start beyond the worker's timeout, nor
     * stop it: the stores open, and each call fails at once saying why until the server answers.
     */
    @Test
    void aServerThatDoesNotAnswerDoesNotHoldTheStartAndItsCallsSayWhy(@TempDir Path directory) throws Exception {
        URI url = URI.create("redis://127.0.0.1:" + silent.getLocalPort());
        CompletableFuture<StateStores> open = CompletableFuture.supplyAsync(() -> {
            try {
                return StateStores.open(new StoreLocation.Redis(url), new StoreLocation.DataDirectory(), directory,
                        null, new SourcePairs("us-east-1"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        await().atMost(Duration.ofSeconds(30)).until(open::isDone);
        try (StateStores stores = open.join()) {
            assertThatThrownBy(() -> stores.leases().list("mapping"))
                    .hasMessageContaining("Could not connect to Redis at 127.0.0.1:" + silent.getLocalPort()
                            + " (--lease-redis)");
        }
    }

    @Test
    void aTimeoutInTheUrlIsKept() {
        assertThat(RedisConnection.uri(URI.create("redis://127.0.0.1:6379")).getTimeout())
                .isEqualTo(RedisConnection.COMMAND_TIMEOUT);
        assertThat(RedisConnection.uri(URI.create("redis://127.0.0.1:6379?timeout=20s")).getTimeout())
                .isEqualTo(Duration.ofSeconds(20));
        assertThat(RedisConnection.uri(URI.create("redis-sentinel://127.0.0.1:26379#primary")).getTimeout())
                .isEqualTo(RedisConnection.COMMAND_TIMEOUT);
    }
}
