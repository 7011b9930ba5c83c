package io.esm4j.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Whether a Docker engine answers, found without Testcontainers (which logs ERROR lines and stack traces when there
 * is none). A Docker host configured some other way than a local socket (a {@code tcp://} DOCKER_HOST,
 * {@code docker.host} or {@code tc.host} in {@code ~/.testcontainers.properties}, Windows named pipes) counts as
 * found: Testcontainers then decides, as before.
 */
public final class DockerProbe {

    private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);

    /** {@code found} false means: skip; {@code detail} says what was looked at. */
    public record Result(boolean found, String detail) {}

    private DockerProbe() {}

    public static Result probe(Map<String, String> env, @Nullable Path home, @Nullable String osName) {
        String dockerHost = env.getOrDefault("DOCKER_HOST", "").strip();
        if (!dockerHost.isEmpty()) {
            if (!dockerHost.startsWith("unix://")) {
                return new Result(true, "DOCKER_HOST=" + dockerHost + " (Testcontainers checks it)");
            }
            Path socket = Path.of(dockerHost.substring("unix://".length()));
            return ping(socket) ? new Result(true, "Docker answers on " + socket)
                    : new Result(false, "no Docker engine answers on DOCKER_HOST=" + dockerHost);
        }
        String configured = testcontainersHost(home);
        if (configured != null) {
            return new Result(true, configured + " in ~/.testcontainers.properties (Testcontainers checks it)");
        }
        if (osName != null && osName.toLowerCase().startsWith("windows")) {
            return new Result(true, "Windows: Testcontainers checks the Docker named pipe");
        }
        List<Path> candidates = socketCandidates(env, home);
        List<String> existing = new ArrayList<>();
        for (Path socket : candidates) {
            if (Files.exists(socket)) {
                if (ping(socket)) {
                    return new Result(true, "Docker answers on " + socket);
                }
                existing.add(socket.toString());
            }
        }
        return new Result(false, existing.isEmpty()
                ? "no Docker engine (DOCKER_HOST is not set and there is no Docker socket, e.g. /var/run/docker.sock)"
                : "no Docker engine answers on " + String.join(", ", existing));
    }

    static List<Path> socketCandidates(Map<String, String> env, @Nullable Path home) {
        Set<Path> sockets = new LinkedHashSet<>();
        sockets.add(Path.of("/var/run/docker.sock"));
        sockets.add(Path.of("/run/docker.sock"));
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            sockets.add(Path.of(runtimeDir, "docker.sock"));
            sockets.add(Path.of(runtimeDir, "podman", "podman.sock"));
        }
        if (home != null) {
            sockets.add(home.resolve(".docker/run/docker.sock"));
            sockets.add(home.resolve(".docker/desktop/docker.sock"));
            sockets.add(home.resolve(".rd/docker.sock"));
            sockets.add(home.resolve(".colima/docker.sock"));
            sockets.add(home.resolve(".colima/default/docker.sock"));
        }
        return List.copyOf(sockets);
    }

    private static @Nullable String testcontainersHost(@Nullable Path home) {
        if (home == null) {
            return null;
        }
        Path file = home.resolve(".testcontainers.properties");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            return null;
        }
        for (String key : List.of("docker.host", "tc.host")) {
            String value = properties.getProperty(key);
            if (value != null && !value.isBlank()) {
                return key + "=" + value.strip();
            }
        }
        return null;
    }

    /** {@code GET /_ping} on the socket; true when the engine answers 200 within {@link #PING_TIMEOUT}. */
    static boolean ping(Path socket) {
        AtomicReference<Boolean> answer = new AtomicReference<>(false);
        AtomicReference<SocketChannel> open = new AtomicReference<>();
        Thread pinger = Thread.ofVirtual().name("docker-ping").start(() -> {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                open.set(channel);
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer buffer = ByteBuffer.allocate(64);
                while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                    String head = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
                    if (head.contains("\r\n")) {
                        break;
                    }
                }
                String statusLine = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
                answer.set(statusLine.matches("(?s)HTTP/1\\.[01] 200.*"));
            } catch (IOException | RuntimeException e) {
                answer.set(false);
            }
        });
        try {
            if (!pinger.join(PING_TIMEOUT)) {
                closeQuietly(open.get());
                pinger.interrupt();
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return answer.get();
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing only to end a read that hangs.
            }
        }
    }
}
