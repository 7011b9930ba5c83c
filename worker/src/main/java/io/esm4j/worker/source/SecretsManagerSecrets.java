package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.aws.AwsSigning;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * Secrets Manager's GetSecretValue (the SDK's {@code secretsmanager} module is not among the worker's dependencies):
 * the {@code SecretString} of a secret, by ARN. The endpoint is the {@code secretsmanager} override if there is one,
 * else the secret's region's. Neither errors nor logs carry the secret's value.
 */
final class SecretsManagerSecrets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AwsJsonApi api;
    private final @Nullable URI endpointOverride;

    SecretsManagerSecrets(AwsJsonApi api, @Nullable URI endpointOverride) {
        this.api = api;
        this.endpointOverride = endpointOverride;
    }

    /** Secrets read through {@code api} at the worker's {@code secretsmanager} endpoint override, if there is one. */
    static SecretsManagerSecrets of(AwsJsonApi api, WorkerContext context) {
        return new SecretsManagerSecrets(api, context.clients().endpoints().endpoint("secretsmanager"));
    }

    /**
     * The digests ({@link KafkaSecretRefresh#digest}) of these secrets' values as they are now, by ARN, read with the
     * worker's AWS credentials at its {@code secretsmanager} endpoint override if there is one.
     */
    static Map<String, String> digests(WorkerContext context, Set<String> arns) throws Exception {
        try (AwsJsonApi api = new AwsJsonApi(context.clients().credentials())) {
            SecretsManagerSecrets secrets = of(api, context);
            Map<String, String> digests = new HashMap<>();
            for (String arn : arns) {
                digests.put(arn, KafkaSecretRefresh.digest(secrets.secretString(arn)));
            }
            return digests;
        }
    }

    /** The secret's {@code SecretString}; an exception naming the ARN and what went wrong otherwise. */
    String secretString(String arn) throws IOException, InterruptedException {
        String region = arn.split(":", 6)[3];
        URI endpoint = endpointOverride != null ? endpointOverride : AwsSigning.regionalEndpoint("secretsmanager",
                region).resolve("/");
        JsonNode secret = api.call("read secret " + arn, SdkHttpMethod.POST, endpoint,
                JSON.writeValueAsBytes(Map.of("SecretId", arn)),
                Map.of("Content-Type", List.of("application/x-amz-json-1.1"),
                        "X-Amz-Target", List.of("secretsmanager.GetSecretValue")), "secretsmanager", region);
        if (!secret.path("SecretString").isTextual()) {
            throw new IllegalStateException("cannot read secret " + arn + ": it has no SecretString (a binary "
                    + "secret cannot hold Kafka credentials)");
        }
        return secret.get("SecretString").asText();
    }
}
