package io.esm4j.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

@RequiresNode
class DynaliteTest {

    @Test
    void answersTheDynamoDbApiOnLoopbackAndStopsWhenClosed() throws Exception {
        java.net.URI endpoint;
        try (Dynalite dynalite = Dynalite.start(); HttpClient http = HttpClient.newHttpClient()) {
            endpoint = dynalite.endpoint();
            assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
            HttpResponse<String> response = http.send(listTables(endpoint), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"TableNames\":[]");
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> http.send(listTables(endpoint), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void saysHowItEndedWhenItEndsOnItsOwnAndKeepsItsLog() throws Exception {
        try (Dynalite dynalite = Dynalite.start()) {
            assertThat(dynalite.running()).isTrue();
            ProcessHandle process = ProcessHandle.of(dynalite.pid()).orElseThrow();
            process.destroyForcibly();
            process.onExit().get();
            // Process.isAlive() and exitValue() see the end once the JDK has reaped the child.
            while (dynalite.running()) {
                Thread.onSpinWait();
            }
            String ended = dynalite.ended();
            assertThat(ended).contains("ended with exit code 137").contains(dynalite.endpoint().toString());
            Path log = Path.of(ended.replaceAll("(?s).*its log (\\S+) ends with.*", "$1"));
            dynalite.close();
            assertThat(log).exists();
            Files.delete(log);
        }
    }

    /**
     * A client that gives up on a request mid-body (an SDK call on a thread a stopping mapping interrupts) must not
     * end dynalite: it throws from the request's error event, which crashed the process and failed every later test
     * of the class.
     */
    @Test
    void aRequestTheClientAbortsMidBodyLeavesTheServerRunning() throws Exception {
        try (Dynalite dynalite = Dynalite.start(); HttpClient http = HttpClient.newHttpClient()) {
            for (int i = 0; i < 3; i++) {
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", dynalite.endpoint().getPort())) {
                    socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-amz-json-1.0\r\n"
                            + "X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 1000\r\n\r\n{")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                }
                // Closed with most of the body unsent: the server sees the request aborted.
                HttpResponse<String> response = http.send(listTables(dynalite.endpoint()),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
            }
            assertThat(dynalite.running()).isTrue();
        }
    }

    /** A ListTables call as the SDK sends it; dynalite wants a signature's shape but does not check it. */
    private static HttpRequest listTables(java.net.URI endpoint) {
        return HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
                .header("X-Amz-Date", "20260101T000000Z")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
                        + "SignedHeaders=host;x-amz-date, Signature=00")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    }
}
