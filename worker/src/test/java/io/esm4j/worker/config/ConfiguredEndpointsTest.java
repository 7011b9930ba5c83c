package io.esm4j.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoints of the services the worker calls without an SDK client come from the settings its SDK clients read,
 * in the same order (the AWS SDK for Java 2.42's: system properties, then environment variables, then the profile),
 * so that a Lambda call and an SQS call of one worker go to the same place.
 */
class ConfiguredEndpointsTest {

    @TempDir
    Path home;

    private final Map<String, String> environment = new HashMap<>();
    private final Properties properties = new Properties();

    private Endpoints configured() {
        environment.putIfAbsent("HOME", home.toString());
        return Endpoints.configured(environment, properties);
    }

    private void config(String text) throws IOException {
        Files.createDirectories(home.resolve(".aws"));
        Files.writeString(home.resolve(".aws/config"), text);
    }

    @Test
    void aGlobalSettingServesEveryServiceCalledWithoutAnSdkClient() {
        environment.put("AWS_ENDPOINT_URL", "http://127.0.0.1:4566");
        assertThat(configured().overrides()).containsOnlyKeys("lambda", "kafka", "secretsmanager")
                .containsValue(URI.create("http://127.0.0.1:4566"));
    }

    /** The SDK's order: aws.endpointUrlX, aws.endpointUrl, AWS_ENDPOINT_URL_X, AWS_ENDPOINT_URL. */
    @Test
    void systemPropertiesComeBeforeEnvironmentVariablesAsInTheSdk() {
        properties.setProperty("aws.endpointUrlKafka", "http://k:1");
        properties.setProperty("aws.endpointUrl", "http://p:1");
        environment.putAll(Map.of("AWS_ENDPOINT_URL", "http://e:1", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://s:1",
                "AWS_ENDPOINT_URL_KAFKA", "http://ek:1"));
        Endpoints endpoints = configured();
        assertThat(endpoints.endpoint("kafka")).isEqualTo(URI.create("http://k:1"));
        // The global property wins over a service's variable (the worker read the variable first).
        assertThat(endpoints.endpoint("secretsmanager")).isEqualTo(URI.create("http://p:1"));
        assertThat(endpoints.endpoint("lambda")).isEqualTo(URI.create("http://p:1"));

        properties.clear();
        Endpoints fromVariables = configured();
        assertThat(fromVariables.endpoint("secretsmanager")).isEqualTo(URI.create("http://s:1"));
        assertThat(fromVariables.endpoint("lambda")).isEqualTo(URI.create("http://e:1"));
    }

    @Test
    void theActiveProfilesServicesSectionServiceKeyAndEndpointUrlComeLastInThatOrder() throws IOException {
        config("""
                [default]
                endpoint_url = http://default:1

                [profile local]
                services = local-services
                endpoint_url = http://global:1
                kafka =
                  endpoint_url = http://profile-kafka:1

                [services local-services]
                lambda =
                  endpoint_url = http://services-lambda:1
                kafka =
                  endpoint_url = http://services-kafka:1
                """);
        assertThat(configured().overrides()).containsOnlyKeys("lambda", "kafka", "secretsmanager")
                .containsValue(URI.create("http://default:1"));

        environment.put("AWS_PROFILE", "local");
        Endpoints local = configured();
        assertThat(local.endpoint("lambda")).isEqualTo(URI.create("http://services-lambda:1"));
        assertThat(local.endpoint("kafka")).isEqualTo(URI.create("http://services-kafka:1"));
        assertThat(local.endpoint("secretsmanager")).isEqualTo(URI.create("http://global:1"));

        environment.put("AWS_ENDPOINT_URL_LAMBDA", "http://variable:1");
        assertThat(configured().endpoint("lambda")).isEqualTo(URI.create("http://variable:1"));
    }

    @Test
    void theProfileAndItsFilesAreTheOnesTheSdkWouldPick() throws IOException {
        Path elsewhere = Files.writeString(home.resolve("other-config"), """
                [profile ci]
                secrets_manager =
                  endpoint_url = http://ci-secrets:1
                """);
        environment.put("AWS_CONFIG_FILE", elsewhere.toString());
        properties.setProperty("aws.profile", "ci");
        environment.put("AWS_PROFILE", "not-this-one");
        Endpoints endpoints = configured();
        assertThat(endpoints.overrides()).containsOnlyKeys("secretsmanager");
        assertThat(endpoints.endpoint("secretsmanager")).isEqualTo(URI.create("http://ci-secrets:1"));

        properties.setProperty("aws.profile", "missing");
        assertThat(configured().overrides()).isEmpty();
    }

    @Test
    void aWrongValueIsNamedWhereItWasSet() throws IOException {
        environment.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", "localhost:4566");
        assertThatThrownBy(this::configured).hasMessage("Invalid value for AWS_ENDPOINT_URL_SECRETS_MANAGER: "
                + "localhost:4566. Expected an http:// or https:// URL with a host.");

        environment.clear();
        config("[default]\nendpoint_url = localstack:4566\n");
        assertThatThrownBy(this::configured).isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for the profile's endpoint_url: localstack:4566.");
    }

    /**
     * The SDK of this build does not honour the flag, so its clients would still use the setting: honouring it only
     * for Lambda, MSK and Secrets Manager would send one worker's calls to two places. Starting is refused.
     */
    @Test
    void theIgnoreFlagWithAnEndpointSettingIsRefusedAndWithoutOneChangesNothing() throws IOException {
        environment.put("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
        assertThat(configured().overrides()).isEmpty();

        environment.put("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324");
        assertThatThrownBy(this::configured).isInstanceOf(InvalidMappingException.class)
                .hasMessage("Invalid value for AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: true. The AWS SDK for Java the "
                        + "worker is built with does not honour it: its clients would still use the endpoint "
                        + "AWS_ENDPOINT_URL_SQS gives. Remove that setting instead, or give endpoints with --endpoint "
                        + "or the file's Endpoints.");

        environment.remove("AWS_ENDPOINT_URL_SQS");
        config("[default]\nignore_configured_endpoint_urls = true\nendpoint_url = http://127.0.0.1:4566\n");
        assertThatThrownBy(this::configured)
                .hasMessageContaining("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: true.")
                .hasMessageContaining("the endpoint the profile's endpoint_url gives.");

        environment.remove("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        assertThatThrownBy(this::configured)
                .hasMessageStartingWith("Invalid value for the profile's ignore_configured_endpoint_urls: true.");

        properties.setProperty("aws.ignoreConfiguredEndpointUrls", "false");
        assertThat(configured().endpoint("lambda")).isEqualTo(URI.create("http://127.0.0.1:4566"));
    }
}
