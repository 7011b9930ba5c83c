package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * GetSecretValue against a test endpoint on loopback that answers as Secrets Manager does: a JSON 1.1 service, whose
 * errors carry their type in the body's {@code __type} (with the service's namespace) and no x-amzn-ErrorType header.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsManagerSecretsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    /** The error answers by secret name: status and body, as Secrets Manager sends them. */
    private static final Map<String, String> ERRORS = Map.of(
            "missing", "{\"__type\":\"com.amazon.AWSMimirService#ResourceNotFoundException\","
                    + "\"Message\":\"Secrets Manager can't find the specified secret.\"}",
            "denied", "{\"__type\":\"AccessDeniedException\",\"Message\":\"User: arn:aws:sts::123456789012:"
                    + "assumed-role/worker/i-1 is not authorized to perform: secretsmanager:GetSecretValue\"}",
            "odd", "{\"__type\":\"hunter2 is the password\",\"Message\":\"x\"}",
            "not-json", "hunter2");

    private HttpServer server;
    private URI endpoint;

    @BeforeAll
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                JsonNode request = JSON.readTree(in);
                String name = request.path("SecretId").asText().substring(ARN.length());
                String error = ERRORS.get(name);
                byte[] body = (error != null ? error : name.equals("binary")
                        ? "{\"ARN\":\"" + ARN + name + "\",\"SecretBinary\":\"aHVudGVyMg==\"}"
                        : JSON.writeValueAsString(Map.of("ARN", ARN + name, "SecretString", "{\"username\":\"u\"}")))
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                exchange.getResponseHeaders().set("x-amzn-RequestId", "4af526d6-33fd-4f86-a368-a46631968f09");
                exchange.sendResponseHeaders(error != null ? 400 : 200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @AfterAll
    void stop() {
        server.stop(0);
    }

    @Test
    void anErrorNamesAwsErrorTypeFromTheBodyAndNothingElseOfIt() throws Exception {
        try (AwsJsonApi api = new AwsJsonApi(StaticCredentialsProvider.create(AwsBasicCredentials.create("x",
                "y")))) {
            SecretsManagerSecrets secrets = new SecretsManagerSecrets(api, endpoint);
            assertThat(secrets.secretString(ARN + "found")).isEqualTo("{\"username\":\"u\"}");
            assertThatThrownBy(() -> secrets.secretString(ARN + "missing"))
                    .hasMessage("cannot read secret " + ARN + "missing: secretsmanager at " + endpoint
                            + " answered status 400 ResourceNotFoundException");
            assertThatThrownBy(() -> secrets.secretString(ARN + "denied"))
                    .hasMessage("cannot read secret " + ARN + "denied: secretsmanager at " + endpoint
                            + " answered status 400 AccessDeniedException");
            for (String name : new String[] {"odd", "not-json", "binary"}) {
                assertThatThrownBy(() -> secrets.secretString(ARN + name)).as(name)
                        .hasMessageStartingWith("cannot read secret " + ARN + name + ": ")
                        .hasMessageNotContaining("hunter2");
            }
        }
    }
}
