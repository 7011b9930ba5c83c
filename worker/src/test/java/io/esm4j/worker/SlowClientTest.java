package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that starts a request and never finishes it does not hold its connection for ever: the worker process
 * (a JVM of its own, as the JDK's server reads its limits once per JVM) closes it once the request has taken the
 * JDK server's request time limit. The worker sets that limit to 30 s (Main.MAX_REQUEST_SECONDS) unless the user set
 * another; this process is given 2 s, the way a user would, so the test does not wait 30 s, and what Main does by
 * default is checked on its own. Each case waits for the close up to a generous read timeout.
 */
class SlowClientTest {

    private static Path directory;
    private static WorkerProcess worker;

    @BeforeAll
    static void start() throws IOException {
        directory = Files.createTempDirectory("esm4j-slow-client-test");
        worker = WorkerProcess.start(directory, List.of("-D" + Main.MAX_REQUEST_TIME + "=2"),
                "--port", "0", "--data-dir", directory.resolve("data").toString());
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
    }

    /** Headers that never end, and a body that never ends (both at once: each takes the whole time). */
    @Test
    void unfinishedRequestsAreCutOff() throws IOException {
        try (Socket headers = startRequest(worker.url(), "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ");
             Socket body = startRequest(worker.url(), "POST /2015-03-31/event-source-mappings/ HTTP/1.1\r\n"
                     + "Host: x\r\nContent-Length: 1000\r\n\r\n{\"Fun")) {
            assertThat(closedByTheWorker(headers)).as("headers that never end").isTrue();
            assertThat(closedByTheWorker(body)).as("a body that never ends").isTrue();
        }
    }

    @Test
    void theWorkerLimitsRequestsTo30SecondsUnlessTheUserSetALimit() {
        Properties unset = new Properties();
        Main.limitRequestTime(unset);
        assertThat(unset).containsEntry(Main.MAX_REQUEST_TIME, "30");

        Properties userSet = new Properties();
        userSet.setProperty(Main.MAX_REQUEST_TIME, "2");
        Main.limitRequestTime(userSet);
        assertThat(userSet).containsEntry(Main.MAX_REQUEST_TIME, "2");
    }

    private static Socket startRequest(URI url, String start) throws IOException {
        Socket socket = new Socket(url.getHost(), url.getPort());
        // Generous: this worker cuts a request off after 2 s.
        socket.setSoTimeout(90_000);
        OutputStream out = socket.getOutputStream();
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** True once the worker closes the connection, false if it is still open after the read timeout. */
    private static boolean closedByTheWorker(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            // Whatever the worker answers, if anything, it then closes the connection.
            while (in.read() >= 0) {
                continue;
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
