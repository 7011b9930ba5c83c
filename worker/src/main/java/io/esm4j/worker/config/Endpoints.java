package io.esm4j.worker.config;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
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
     * The services the worker calls with its own signed HTTP requests rather than an AWS SDK client (Lambda Invoke,
     * MSK's GetBootstrapBrokers and DescribeVpcConnection, Secrets Manager's GetSecretValue), by the SDK's service id
     * as {@code AWS_ENDPOINT_URL_<ID>} and {@code aws.endpointUrl<Id>} spell it.
     */
    private static final Map<String, String> OWN_HTTP = Map.of("lambda", "Lambda", "kafka", "Kafka",
            "secretsmanager", "SecretsManager");

    /**
     * The endpoints the AWS SDK would configure for the services the worker calls without an SDK client, from the
     * same settings and in the same order of precedence: the system property {@code aws.endpointUrl<Service>}, the
     * environment variable {@code AWS_ENDPOINT_URL_<SERVICE>}, then {@code aws.endpointUrl} and
     * {@code AWS_ENDPOINT_URL} for every service; none when {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS} (or
     * {@code aws.ignoreConfiguredEndpointUrls}) is true. (The shared config file's {@code endpoint_url} is not read.)
     * SDK clients read these themselves.
     */
    public static Endpoints configured(Map<String, String> environment, Properties properties) {
        String ignore = properties.getProperty("aws.ignoreConfiguredEndpointUrls",
                environment.getOrDefault("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"));
        Map<String, URI> overrides = new TreeMap<>();
        if (!ignore.strip().equalsIgnoreCase("true")) {
            OWN_HTTP.forEach((service, id) -> {
                String envId = id.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
                // Each setting by the name the user gave it, so that a wrong value is named where it was set.
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("-Daws.endpointUrl" + id, properties.getProperty("aws.endpointUrl" + id));
                settings.put("AWS_ENDPOINT_URL_" + envId, environment.get("AWS_ENDPOINT_URL_" + envId));
                settings.put("-Daws.endpointUrl", properties.getProperty("aws.endpointUrl"));
                settings.put("AWS_ENDPOINT_URL", environment.get("AWS_ENDPOINT_URL"));
                for (Map.Entry<String, String> setting : settings.entrySet()) {
                    if (setting.getValue() != null && !setting.getValue().isBlank()) {
                        overrides.put(service, url(setting.getKey(), setting.getValue().strip()));
                        break;
                    }
                }
            });
        }
        return new Endpoints(overrides);
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
