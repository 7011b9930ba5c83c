package io.esm4j.worker.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.worker.config.FunctionSpec.Kind;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The worker's mappings file, JSON or YAML:
 *
 * <pre>{@code
 * Endpoints:               # optional, per service (see Endpoints.SERVICES)
 *   sqs: http://127.0.0.1:9324
 * Functions:               # optional: targets for FunctionName values
 *   orders:
 *     Url: http://127.0.0.1:8080/orders       # or Handler: com.example.Orders, or Lambda: <name or ARN>
 *     Timeout: 30
 *     MaximumConcurrency: 10
 * EventSourceMappings:     # Lambda's CreateEventSourceMapping request, one per mapping
 *   - EventSourceArn: arn:aws:sqs:us-east-1:000000000000:orders
 *     FunctionName: orders
 *     BatchSize: 10
 * }</pre>
 *
 * @param mappings  the mappings, in file order
 * @param functions the targets of FunctionName values
 * @param endpoints per-service endpoint overrides
 */
public record WorkerFile(List<MappingSpec> mappings, Functions functions, Endpoints endpoints) {

    /** The section of the mappings; errors name a mapping as {@code EventSourceMappings[<index>]}. */
    public static final String MAPPINGS = "EventSourceMappings";
    private static final Pattern UNRECOGNIZED_TOKEN = Pattern.compile("Unrecognized token '[^']*'");
    private static final Pattern DUPLICATE_KEY = Pattern.compile("Duplicate field '([^']*)'");
    private static final Set<String> TOP_LEVEL = Set.of(MAPPINGS, "Functions", "Endpoints");
    private static final Set<String> FUNCTION_FIELDS = Set.of("Url", "Handler", "Lambda", "Endpoint",
            FunctionSpec.TIMEOUT.name(), FunctionSpec.MAXIMUM_CONCURRENCY.name(),
            FunctionSpec.HANDLER_THREADS.name());

    public WorkerFile {
        mappings = List.copyOf(mappings);
    }

    public static WorkerFile empty() {
        return new WorkerFile(List.of(), new Functions(Map.of(), Endpoints.none()), Endpoints.none());
    }

    /** Reads a file: YAML for {@code .yaml}/{@code .yml}, JSON otherwise. */
    public static WorkerFile read(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        return parse(Files.readString(file), yaml, "the file " + file);
    }

    public static WorkerFile parse(String text, boolean yaml) {
        return parse(text, yaml, "the file");
    }

    private static WorkerFile parse(String text, boolean yaml, String named) {
        // A key given twice in one object would otherwise let the last one win without a word.
        ObjectMapper mapper = (yaml ? new YAMLMapper() : new ObjectMapper())
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            Matcher duplicate = DUPLICATE_KEY.matcher(e.getOriginalMessage());
            if (duplicate.lookingAt()) {
                String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
                throw new InvalidMappingException(duplicate.group(1), named + " has the key " + duplicate.group(1)
                        + " twice in one object" + at + ". Expected each key once: the second would replace the "
                        + "first.", e);
            }
            // Where, so that the mistake can be found in a long file.
            String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new InvalidMappingException("(file)", named + " is not valid " + (yaml ? "YAML" : "JSON") + at
                    + ": " + withoutQuotes(e.getOriginalMessage()), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return empty();
        }
        if (!root.isObject()) {
            throw new InvalidMappingException("(file)", root.getNodeType(), "Expected an object with "
                    + String.join(", ", TOP_LEVEL) + ".");
        }
        root.fieldNames().forEachRemaining(field -> {
            if (!TOP_LEVEL.contains(field)) {
                throw new InvalidMappingException(field, root.get(field), "Unknown field; the file takes "
                        + String.join(", ", TOP_LEVEL) + ".");
            }
        });
        Endpoints endpoints = Endpoints.parse(strings(root.path("Endpoints"), "Endpoints"), "Endpoints");
        Functions functions = new Functions(functions(root.path("Functions")), endpoints);
        List<MappingSpec> mappings = new ArrayList<>();
        JsonNode list = root.path("EventSourceMappings");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            throw new InvalidMappingException("EventSourceMappings", list.getNodeType(),
                    "Expected a list of CreateEventSourceMapping requests.");
        }
        for (int i = 0; i < list.size(); i++) {
            String where = MAPPINGS + "[" + i + "]";
            mappings.add(MappingSpec.of(CloudFormationForms.toRequest(list.get(i), where), where));
        }
        return new WorkerFile(mappings, functions, endpoints);
    }

    /**
     * The parser's words without what they quote of the file: a YAML error quotes the whole line and a JSON error the
     * token, which may be a password in a URL. Line and column say where instead.
     */
    private static String withoutQuotes(String message) {
        String first = message.lines().findFirst().orElse("").strip();
        return UNRECOGNIZED_TOKEN.matcher(first).replaceAll("Unrecognized token");
    }

    private static Map<String, String> strings(JsonNode object, String where) {
        Map<String, String> values = new LinkedHashMap<>();
        if (object.isMissingNode() || object.isNull()) {
            return values;
        }
        if (!object.isObject()) {
            throw new InvalidMappingException(where, object, "Expected an object of service names to URLs.");
        }
        object.properties().forEach(field -> {
            if (!field.getValue().isTextual()) {
                throw new InvalidMappingException(where + "." + field.getKey(), field.getValue(), "Expected a URL.");
            }
            values.put(field.getKey(), field.getValue().asText());
        });
        return values;
    }

    private static Map<String, FunctionSpec> functions(JsonNode object) {
        Map<String, FunctionSpec> functions = new LinkedHashMap<>();
        if (object.isMissingNode() || object.isNull()) {
            return functions;
        }
        if (!object.isObject()) {
            throw new InvalidMappingException("Functions", object, "Expected an object of function names to "
                    + "targets.");
        }
        object.properties().forEach(field -> functions.put(field.getKey(),
                function(field.getKey(), field.getValue())));
        return functions;
    }

    private static FunctionSpec function(String name, JsonNode target) {
        String where = "Functions." + name;
        if (!target.isObject()) {
            throw new InvalidMappingException(where, target, "Expected an object with one of Url, Handler, Lambda.");
        }
        target.fieldNames().forEachRemaining(field -> {
            if (!FUNCTION_FIELDS.contains(field)) {
                throw new InvalidMappingException(where + "." + field, target.get(field), "Unknown field; a "
                        + "function takes " + String.join(", ", FUNCTION_FIELDS.stream().sorted().toList()) + ".");
            }
        });
        List<String> kinds = new ArrayList<>();
        for (String kind : List.of("Url", "Handler", "Lambda")) {
            if (target.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            throw new InvalidMappingException(where, kinds, "Expected exactly one of Url (a plain HTTP target), "
                    + "Handler (a Java RequestHandler class) or Lambda (a function name or ARN for Lambda's Invoke API).");
        }
        String kindField = kinds.get(0);
        String location = text(target, where + "." + kindField, kindField);
        Kind kind = switch (kindField) {
            case "Url" -> Kind.URL;
            case "Handler" -> Kind.JAVA;
            default -> Kind.LAMBDA;
        };
        if (kind == Kind.URL) {
            Endpoints.url(where + ".Url", location);
        }
        if (kind == Kind.LAMBDA && !Functions.lambdaFunction(location)) {
            throw new InvalidMappingException(where + ".Lambda", location, "Expected a Lambda function's name, "
                    + "partial ARN or ARN (letters, digits, - and _, with an optional :qualifier), as Lambda's Invoke "
                    + "API takes it.");
        }
        @Nullable URI endpoint = null;
        if (target.has("Endpoint")) {
            if (kind != Kind.LAMBDA) {
                throw new InvalidMappingException(where + ".Endpoint", target.get("Endpoint"),
                        "Endpoint applies only to Lambda targets.");
            }
            endpoint = Endpoints.url(where + ".Endpoint", text(target, where + ".Endpoint", "Endpoint"));
        }
        int timeout = integer(target, where, FunctionSpec.TIMEOUT.name(), FunctionSpec.TIMEOUT.defaultValue());
        int concurrency = integer(target, where, FunctionSpec.MAXIMUM_CONCURRENCY.name(),
                FunctionSpec.MAXIMUM_CONCURRENCY.defaultValue());
        HandlerThreads threads = handlerThreads(target, where + "." + FunctionSpec.HANDLER_THREADS.name(), kind);
        try {
            return new FunctionSpec(name, kind, location, endpoint, Duration.ofSeconds(timeout), concurrency,
                    threads);
        } catch (InvalidSettingException e) {
            throw new InvalidMappingException(where + "." + e.parameter(),
                    e.getMessage().replace(e.parameter(), where + "." + e.parameter()), e);
        }
    }

    /**
     * Only a Java handler's own code can block pinned to a carrier: Lambda and Url targets are called by the worker's
     * HTTP client, whose waits let go of the carrier, so the key there would change nothing and is refused.
     */
    private static HandlerThreads handlerThreads(JsonNode target, String field, Kind kind) {
        JsonNode value = target.get(FunctionSpec.HANDLER_THREADS.name());
        if (value == null || value.isNull()) {
            return HandlerThreads.VIRTUAL;
        }
        Object shown = value.isTextual() ? value.asText() : value;
        if (kind != Kind.JAVA) {
            throw new InvalidMappingException(field, shown, "HandlerThreads applies only to Handler targets: the "
                    + "worker calls a " + (kind == Kind.LAMBDA ? "Lambda" : "Url") + " target through its HTTP "
                    + "client, which lets go of the thread's carrier while it waits; only a Java handler's own code "
                    + "can pin one.");
        }
        if (value.isTextual()) {
            for (HandlerThreads threads : HandlerThreads.values()) {
                if (threads.name().equals(value.asText())) {
                    return threads;
                }
            }
        }
        throw new InvalidMappingException(field, shown, "Expected one of " + FunctionSpec.HANDLER_THREADS.range()
                + ".");
    }

    private static String text(JsonNode object, String where, String field) {
        JsonNode value = object.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new InvalidMappingException(where, value, "Expected a non-empty string.");
        }
        return value.asText();
    }

    private static int integer(JsonNode object, String where, String field, int defaultValue) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!FieldKind.INTEGER.accepts(value)) {
            throw new InvalidMappingException(where + "." + field, value, "Expected an integer.");
        }
        return value.intValue();
    }
}
