package io.esm4j.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@DisabledOnOs(OS.WINDOWS)
class DockerProbeTest {

    @TempDir
    Path dir;

    @Test
    void aSocketThatDoesNotExistIsNoDocker() {
        Path socket = dir.resolve("docker.sock");

        DockerProbe.Result result = DockerProbe.probe(Map.of("DOCKER_HOST", "unix://" + socket), dir, "Linux");

        assertThat(result.found()).isFalse();
        assertThat(result.detail()).contains(socket.toString());
    }

    @Test
    void anEngineThatAnswersThePingIsDocker() throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (FakeEngine engine = new FakeEngine(socket, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")) {
            assertThat(DockerProbe.probe(Map.of("DOCKER_HOST", "unix://" + socket), dir, "Linux").found()).isTrue();
            assertThat(engine.request()).startsWith("GET /_ping HTTP/1.0\r\n");
        }
    }

    @Test
    void aSocketWhoseServerAnswersAnErrorIsNoDocker() throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (FakeEngine engine = new FakeEngine(socket, "HTTP/1.1 500 Internal Server Error\r\n\r\n")) {
            assertThat(DockerProbe.probe(Map.of("DOCKER_HOST", "unix://" + socket), dir, "Linux").found()).isFalse();
        }
    }

    @Test
    void theRuntimeDirectorysSocketIsFoundWithoutDockerHost() throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (FakeEngine engine = new FakeEngine(socket, "HTTP/1.1 200 OK\r\n\r\nOK")) {
            assertThat(DockerProbe.probe(Map.of("XDG_RUNTIME_DIR", dir.toString()), dir, "Linux").found()).isTrue();
        }
    }

    @Test
    void otherConfigurationsAreLeftToTestcontainers() throws IOException {
        assertThat(DockerProbe.probe(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375"), dir, "Linux").found()).isTrue();
        Files.writeString(dir.resolve(".testcontainers.properties"), "docker.host=tcp://127.0.0.1:2375\n");
        assertThat(DockerProbe.probe(Map.of(), dir, "Linux").found()).isTrue();
        assertThat(DockerProbe.probe(Map.of(), dir.resolve("elsewhere"), "Windows 11").found()).isTrue();
    }

    /** One-shot HTTP server on a Unix domain socket: answers the first request with a fixed response. */
    private static final class FakeEngine implements AutoCloseable {

        private final ServerSocketChannel server;
        private final Thread thread;
        private volatile String request = "";

        FakeEngine(Path socket, String response) throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            thread = Thread.ofVirtual().start(() -> {
                try (SocketChannel client = server.accept()) {
                    ByteBuffer buffer = ByteBuffer.allocate(256);
                    while (!new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII)
                            .contains("\r\n\r\n") && client.read(buffer) >= 0) {
                        request = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
                    }
                    request = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
                    client.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    // The test closed the server.
                }
            });
        }

        String request() throws InterruptedException {
            thread.join();
            return request;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            server.close();
            thread.join();
        }
    }
}
