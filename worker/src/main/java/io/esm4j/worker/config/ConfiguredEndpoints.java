package io.esm4j.worker.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.profiles.Profile;
import software.amazon.awssdk.profiles.ProfileFile;

/**
 * The endpoints the worker's AWS SDK clients would be configured with, worked out for the services the worker calls
 * with its own signed HTTP requests (Lambda Invoke, MSK's API, Secrets Manager), so that both kinds of call go to the
 * same place. The order is the one of the AWS SDK for Java the worker is built with (2.42): the service's system
 * property, {@code aws.endpointUrl}, the service's environment variable, {@code AWS_ENDPOINT_URL}, then the active
 * profile's {@code services} section, its {@code <service>.endpoint_url} and its {@code endpoint_url}. The profile files
 * are read only when no property or variable decided every service, as the SDK reads them only then.
 */
final class ConfiguredEndpoints {

    /** By the SDK's service id: how its system property, environment variable and profile key spell it. */
    private record Service(String property, String variable, String profileKey) {

        static Service of(String id) {
            String snake = id.replaceAll("([a-z])([A-Z])", "$1_$2");
            return new Service("aws.endpointUrl" + id, "AWS_ENDPOINT_URL_" + snake.toUpperCase(Locale.ROOT),
                    snake.toLowerCase(Locale.ROOT));
        }
    }

    private static final Map<String, Service> OWN_HTTP = Map.of("lambda", Service.of("Lambda"),
            "kafka", Service.of("Kafka"), "secretsmanager", Service.of("SecretsManager"));

    private final Map<String, String> environment;
    private final Properties properties;
    private @Nullable Optional<Profiles> profiles;

    private ConfiguredEndpoints(Map<String, String> environment, Properties properties) {
        this.environment = environment;
        this.properties = properties;
    }

    static Endpoints read(Map<String, String> environment, Properties properties) {
        ConfiguredEndpoints configured = new ConfiguredEndpoints(environment, properties);
        Map<String, URI> overrides = new TreeMap<>();
        OWN_HTTP.forEach((service, names) -> {
            for (Map.Entry<String, Supplier<@Nullable String>> setting : configured.settings(names).entrySet()) {
                String value = setting.getValue().get();
                if (value != null && !value.isBlank()) {
                    overrides.put(service, Endpoints.url(setting.getKey(), value.strip()));
                    break;
                }
            }
        });
        configured.refuseIgnoreFlag();
        return new Endpoints(overrides);
    }

    /** Each setting by the name the user gave it, so that a wrong value is named where it was set. */
    private Map<String, Supplier<@Nullable String>> settings(Service service) {
        Map<String, Supplier<@Nullable String>> settings = new LinkedHashMap<>();
        settings.put("-D" + service.property(), () -> properties.getProperty(service.property()));
        settings.put("-Daws.endpointUrl", () -> properties.getProperty("aws.endpointUrl"));
        settings.put(service.variable(), () -> environment.get(service.variable()));
        settings.put("AWS_ENDPOINT_URL", () -> environment.get("AWS_ENDPOINT_URL"));
        String key = service.profileKey() + ".endpoint_url";
        settings.put("the profile's services section (" + key + ")", () -> profiles()
                .flatMap(Profiles::servicesSection).flatMap(section -> section.property(key)).orElse(null));
        settings.put("the profile's " + key, () -> profiles().flatMap(p -> p.active().property(key)).orElse(null));
        settings.put("the profile's endpoint_url",
                () -> profiles().flatMap(p -> p.active().property("endpoint_url")).orElse(null));
        return settings;
    }

    /**
     * The SDK of this build does not honour {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS}: its clients (SQS, Kinesis,
     * DynamoDB, ...) would still use the endpoints configured, so honouring it for the other services alone would
     * split the worker between two places. Starting is refused instead, naming a setting to remove.
     */
    private void refuseIgnoreFlag() {
        Map<String, Supplier<@Nullable String>> flags = new LinkedHashMap<>();
        flags.put("-Daws.ignoreConfiguredEndpointUrls",
                () -> properties.getProperty("aws.ignoreConfiguredEndpointUrls"));
        flags.put("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                () -> environment.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
        flags.put("the profile's ignore_configured_endpoint_urls",
                () -> profiles().flatMap(p -> p.active().property("ignore_configured_endpoint_urls")).orElse(null));
        for (Map.Entry<String, Supplier<@Nullable String>> flag : flags.entrySet()) {
            String value = flag.getValue().get();
            if (value == null || value.isBlank()) {
                continue;
            }
            Optional<String> setting = value.strip().equalsIgnoreCase("true") ? anyEndpointSetting() : Optional.empty();
            if (setting.isPresent()) {
                throw new InvalidMappingException(flag.getKey(), value, "The AWS SDK for Java the worker is built "
                        + "with does not honour it: its clients would still use the endpoint " + setting.get()
                        + " gives. Remove that setting instead, or give endpoints with --endpoint or the file's "
                        + "Endpoints.");
            }
            return;
        }
    }

    /** The name of an endpoint setting the SDK's clients read, for any service, if one is set. */
    private Optional<String> anyEndpointSetting() {
        Optional<String> property = properties.stringPropertyNames().stream()
                .filter(name -> name.startsWith("aws.endpointUrl")).sorted().findFirst().map(name -> "-D" + name);
        Optional<String> variable = environment.keySet().stream()
                .filter(name -> name.startsWith("AWS_ENDPOINT_URL")).sorted().findFirst();
        return property.or(() -> variable).or(() -> profiles().map(Profiles::active)
                .flatMap(active -> active.properties().keySet().stream()
                        .filter(key -> key.equals("services") || key.endsWith("endpoint_url")).sorted().findFirst())
                .map(key -> "the profile's " + key));
    }

    private Optional<Profiles> profiles() {
        if (profiles == null) {
            profiles = Profiles.read(environment, properties);
        }
        return profiles;
    }

    /** The active profile of the shared config and credentials files, and the file it came from. */
    private record Profiles(ProfileFile file, Profile active) {

        static Optional<Profiles> read(Map<String, String> environment, Properties properties) {
            String home = environment.getOrDefault("HOME", properties.getProperty("user.home", ""));
            ProfileFile.Aggregator files = ProfileFile.aggregator();
            boolean any = false;
            for (String[] location : new String[][] {
                    {"aws.configFile", "AWS_CONFIG_FILE", ".aws/config", "CONFIGURATION"},
                    {"aws.sharedCredentialsFile", "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", "CREDENTIALS"}}) {
                String named = properties.getProperty(location[0], environment.get(location[1]));
                Path path = named == null ? Path.of(home, location[2])
                        : Path.of(named.startsWith("~/") ? home + named.substring(1) : named);
                if (Files.isRegularFile(path) && Files.isReadable(path)) {
                    try {
                        files.addFile(ProfileFile.builder().content(path)
                                .type(ProfileFile.Type.valueOf(location[3])).build());
                        any = true;
                    } catch (RuntimeException e) {
                        throw new InvalidMappingException(path.toString(), "cannot read the AWS profile file "
                                + path + ": " + e.getMessage(), e);
                    }
                }
            }
            if (!any) {
                return Optional.empty();
            }
            ProfileFile file = files.build();
            String name = properties.getProperty("aws.profile", environment.getOrDefault("AWS_PROFILE", "default"));
            return file.profile(name).map(active -> new Profiles(file, active));
        }

        Optional<Profile> servicesSection() {
            return active.property("services").flatMap(name -> file.getSection("services", name));
        }
    }
}
