package io.esm4j.worker.config;

import java.net.URI;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Per-service endpoint overrides (LocalStack, ElasticMQ, kinesis-mock, dynalite): a service without one uses the
 * AWS SDK's own resolution, which also honours {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>}.
 */
public record Endpoints(Map<String, URI> overrides) {

    /**
     * The services the worker calls, by the SDK's service id in lower case without spaces ({@code dynamodbstreams}
     * for DynamoDB Streams, whose endpoint differs from DynamoDB's; {@code kafka} for Amazon MSK's API; {@code glue}
     * for a Kafka mapping's schema registry in AWS Glue).
     */
    public static final Set<String> SERVICES = Set.of("sqs", "kinesis", "lambda", "sns", "s3", "dynamodb",
            "dynamodbstreams", "secretsmanager", "kafka", "glue");

    public Endpoints {
        overrides = Map.copyOf(overrides);
    }

    public static Endpoints none() {
        return new Endpoints(Map.of());
    }

    /** Parses {@code {"sqs": "http://127.0.0.1:9324", ...}}, naming a wrong service or URL. */
    public static Endpoints parse(Map<String, String> values, String where) {
        Map<String, URI> overrides = new TreeMap<>();
        values.forEach((service, url) -> {
            String field = where + "." + service;
            if (!SERVICES.contains(service)) {
                throw new InvalidMappingException(field, FunctionSpec.shownUrl(url), "Unknown service; endpoints "
                        + "can be set for " + String.join(", ", new TreeSet<>(SERVICES)) + ".");
            }
            overrides.put(service, url(field, url));
        });
        return new Endpoints(overrides);
    }

    /**
     * The endpoints the worker's AWS SDK clients would be configured with, for the services the worker calls with its
     * own signed HTTP requests rather than an SDK client (Lambda Invoke, MSK's GetBootstrapBrokers and
     * DescribeVpcConnection, Secrets Manager's GetSecretValue), from the same settings in the same order: system
     * properties ({@code aws.endpointUrl<Service>}, {@code aws.endpointUrl}), environment variables
     * ({@code AWS_ENDPOINT_URL_<SERVICE>}, {@code AWS_ENDPOINT_URL}), then the active profile of the shared config
     * files ({@code AWS_PROFILE}, {@code AWS_CONFIG_FILE} and {@code AWS_SHARED_CREDENTIALS_FILE} as the SDK reads
     * them): its {@code services} section, {@code <service>.endpoint_url} and {@code endpoint_url}. SDK clients read
     * these themselves. {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true} with an endpoint setting is refused: the SDK
     * of this build does not honour it, so its clients would still use the setting.
     */
    public static Endpoints configured(Map<String, String> environment, Properties properties) {
        return ConfiguredEndpoints.read(environment, properties);
    }

    public @Nullable URI endpoint(String service) {
        return overrides.get(service);
    }

    public Endpoints with(String service, URI endpoint) {
        Map<String, URI> copy = new TreeMap<>(overrides);
        copy.put(service, endpoint);
        return new Endpoints(copy);
    }

    static URI url(String field, @Nullable String value) {
        try {
            URI uri = value == null ? null : URI.create(value);
            if (uri != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below, with what is allowed
        }
        // The value may carry a password or a token (user info, query): the error shows the URL without them.
        throw new InvalidMappingException(field, value == null ? null : FunctionSpec.shownUrl(value),
                "Expected an http:// or https:// URL with a host.");
    }
}
