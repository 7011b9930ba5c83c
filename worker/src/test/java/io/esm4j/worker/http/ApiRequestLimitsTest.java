package io.esm4j.worker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.worker.Worker;
import io.esm4j.worker.WorkerAccess;
import io.esm4j.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * What a caller without a key can make the worker hold: a mapping API body is at most 1 MiB with or without
 * {@code --api-keys}, and with them a request nobody could have signed is answered from its headers, without waiting
 * for the body it announces. The raw requests go over a socket, so that a body can be announced and not sent; each
 * waits for its answer up to a generous read timeout (a worker that waits for the body never answers).
 */
class ApiRequestLimitsTest {

    private static final String API = "/2015-03-31/event-source-mappings/";
    private static final int ONE_MIB = 1024 * 1024;

    @TempDir
    static Path directory;
    private static Worker open;
    private static Worker signed;

    @BeforeAll
    static void start() throws IOException {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDLIMITS", "secret"));
        open = Worker.start(WorkerOptions.defaults().withDataDirectory(directory.resolve("open"))
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, credentials));
        Path keys = directory.resolve("api-keys");
        Files.writeString(keys, "AKIDLIMITS:secret\n");
        signed = Worker.start(WorkerOptions.defaults().withDataDirectory(directory.resolve("signed"))
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, credentials).withApiKeys(keys));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (signed != null) {
            signed.close();
        }
        if (open != null) {
            open.close();
        }
    }

    /**
     * A create announcing 2 MiB of body is refused before it is sent; a chunked one once it passes 1 MiB, without
     * waiting for its end. (Over a socket: a client still sending when the worker answers and closes may see a broken
     * pipe rather than the answer.)
     */
    @Test
    void anOpenApiRefusesABodyOverOneMib() throws Exception {
        try (Socket socket = socket(open.url())) {
            socket.getOutputStream().write(("POST " + API + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + 2 * ONE_MIB + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));

            assertThat(head(socket.getInputStream())).startsWith("HTTP/1.1 413").containsIgnoringCase(
                    "X-Amzn-ErrorType: RequestTooLargeException");
        }
        try (Socket socket = socket(open.url())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + API + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(ONE_MIB + 10) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(("{\"Padding\": \"" + "a".repeat(ONE_MIB) + "\"}").getBytes(StandardCharsets.US_ASCII), 0,
                    ONE_MIB + 10);
            out.flush();

            assertThat(head(socket.getInputStream())).startsWith("HTTP/1.1 413").containsIgnoringCase(
                    "X-Amzn-ErrorType: RequestTooLargeException");
        }
        assertThat(WorkerAccess.registry(open).list()).isEmpty();
    }

    @Test
    void anUnsignedRequestIsAnsweredWithoutItsBody() throws Exception {
        String answer = announceBodyAndStall(signed.url(), "");

        assertThat(answer).startsWith("HTTP/1.1 403").containsIgnoringCase(
                "X-Amzn-ErrorType: MissingAuthenticationTokenException");
    }

    @Test
    void aRequestOfAnUnknownKeyIsAnsweredWithoutItsBody() throws Exception {
        String now = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC));
        String answer = announceBodyAndStall(signed.url(), "Authorization: AWS4-HMAC-SHA256 Credential=AKIDNOBODY/"
                + now.substring(0, 8) + "/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, "
                + "Signature=" + "0".repeat(64) + "\r\nX-Amz-Date: " + now + "\r\n");

        assertThat(answer).startsWith("HTTP/1.1 403").containsIgnoringCase(
                "X-Amzn-ErrorType: UnrecognizedClientException");
    }

    @Test
    void aBodyAnnouncedOverOneMibIsRefusedBeforeItIsSent() throws Exception {
        try (Socket socket = socket(signed.url())) {
            socket.getOutputStream().write(("POST " + API + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + 50L * ONE_MIB + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));

            assertThat(head(socket.getInputStream())).startsWith("HTTP/1.1 413").containsIgnoringCase(
                    "X-Amzn-ErrorType: RequestTooLargeException");
        }
    }

    /** A POST announcing 100,000 bytes of body that sends 10 of them, and the worker's answer (status and headers). */
    private static String announceBodyAndStall(URI worker, String headers) throws IOException {
        try (Socket socket = socket(worker)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + API + " HTTP/1.1\r\nHost: " + worker.getAuthority() + "\r\n" + headers
                    + "Content-Length: 100000\r\n\r\n{\"Functio").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return head(socket.getInputStream());
        }
    }

    private static Socket socket(URI worker) throws IOException {
        Socket socket = new Socket(worker.getHost(), worker.getPort());
        // Generous: the answer comes at once or, from a worker that waits for the body, never.
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** The status line and headers of the answer. */
    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
