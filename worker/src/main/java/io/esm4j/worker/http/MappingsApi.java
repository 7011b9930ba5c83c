package io.esm4j.worker.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.mappings.ManagedMapping;
import io.esm4j.worker.mappings.MappingConflictException;
import io.esm4j.worker.mappings.MappingInUseException;
import io.esm4j.worker.mappings.MappingNotFoundException;
import io.esm4j.worker.mappings.MappingRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda's event source mapping API at its REST paths, so the AWS CLI ({@code --endpoint-url}) and the SDKs' Lambda
 * clients (with an endpoint override) manage the worker's mappings: CreateEventSourceMapping ({@code POST}),
 * ListEventSourceMappings ({@code GET}, with EventSourceArn, FunctionName, Marker and MaxItems),
 * GetEventSourceMapping, UpdateEventSourceMapping ({@code PUT}) and DeleteEventSourceMapping on
 * {@code /2015-03-31/event-source-mappings/{UUID}}. Requests are authenticated only with {@code --api-keys}
 * ({@link ApiAuthentication}, in front of this handler); otherwise bind the worker to loopback or a private network.
 */
public final class MappingsApi implements HttpHandler {

    public static final String PATH = "/2015-03-31/event-source-mappings";
    private static final Logger LOG = LoggerFactory.getLogger(MappingsApi.class);
    /** The most mappings a page of ListEventSourceMappings holds, as in Lambda. */
    private static final int MAX_ITEMS = 100;
    /**
     * ListEventSourceMappings' EventSourceArn, as Lambda's API model has it, but with any lower-case region: the
     * worker's sources take a local server's own (ElasticMQ's {@code elasticmq}), so their mappings can be listed.
     */
    private static final Pattern EVENT_SOURCE_ARN =
            Pattern.compile("arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z0-9-]*):(\\d{12})?:(.*)");

    private final MappingRegistry registry;
    private final String region;

    public MappingsApi(MappingRegistry registry, String region) {
        this.registry = registry;
        this.region = region;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            // Lambda answers every call with a request id, which the SDKs and the CLI report (responseMetadata).
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            String tail = exchange.getRequestURI().getPath().substring(PATH.length());
            String rest = tail.replaceAll("^/+|/+$", "");
            String method = exchange.getRequestMethod();
            try {
                registry.refreshForApi();
                if (!tail.isEmpty() && !tail.startsWith("/")) {
                    // The server's context matches any path that starts with PATH: .../event-source-mappingsX is
                    // not the mapping X.
                    Exchanges.error(exchange, 404, "ResourceNotFoundException", "No such resource: "
                            + exchange.getRequestURI().getPath() + " is not a path of the event source mapping API, "
                            + "which is at " + PATH + "/ and " + PATH + "/{UUID}.");
                } else if (rest.isEmpty() && method.equals("POST")) {
                    ManagedMapping created = registry.create(MappingSpec.of(body(exchange), ""));
                    LOG.atInfo().addKeyValue("mapping", created.uuid())
                            .log("api create uuid={} eventSourceArn={}", created.uuid(),
                                    created.spec().eventSourceArn());
                    // As Lambda answers a create, whatever its start (or Enabled false) shows a moment later.
                    ObjectNode json = describe(created);
                    json.put("State", "Creating");
                    Exchanges.json(exchange, 202, json);
                } else if (rest.isEmpty() && method.equals("GET")) {
                    Map<String, String> query = Exchanges.query(exchange);
                    String source = query.get("EventSourceArn");
                    if (source != null && !EVENT_SOURCE_ARN.matcher(source).matches()) {
                        // Lambda checks the parameter's pattern before anything else, with these words.
                        Exchanges.error(exchange, 400, "ValidationException", "1 validation error detected: Value '"
                                + source + "' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy "
                                + "regular expression pattern: " + EVENT_SOURCE_ARN.pattern() + " (an ARN, "
                                + "arn:<partition>:<service>:<region>:<account, 12 digits>:<resource>, e.g. "
                                + "arn:aws:sqs:us-east-1:123456789012:orders; not a queue URL or a name)");
                    } else {
                        Exchanges.json(exchange, 200, list(query));
                    }
                } else if (!rest.isEmpty() && !rest.contains("/") && method.equals("GET")) {
                    Exchanges.json(exchange, 200, describe(registry.get(rest)));
                } else if (!rest.isEmpty() && !rest.contains("/") && method.equals("PUT")) {
                    ManagedMapping current = registry.get(rest);
                    JsonNode fields = MappingJson.withRealFunction(body(exchange), current, region);
                    boolean wasEnabled = current.spec().enabled();
                    ManagedMapping updated = registry.update(rest, fields);
                    LOG.atInfo().addKeyValue("mapping", rest).log("api update uuid={}", rest);
                    ObjectNode json = describe(updated);
                    json.put("State", updateState(wasEnabled, updated.spec().enabled()));
                    Exchanges.json(exchange, 202, json);
                } else if (!rest.isEmpty() && !rest.contains("/") && method.equals("DELETE")) {
                    ManagedMapping deleted = registry.delete(rest);
                    LOG.atInfo().addKeyValue("mapping", rest).log("api delete uuid={}", rest);
                    Exchanges.json(exchange, 202, describe(deleted));
                } else {
                    // HTTP requires a 405 to say what the path takes.
                    exchange.getResponseHeaders().set("Allow", rest.isEmpty() ? "GET, POST"
                            : rest.contains("/") ? "" : "GET, PUT, DELETE");
                    Exchanges.error(exchange, 405, "InvalidRequestContentException", method + " "
                            + exchange.getRequestURI().getPath() + " is not an operation of the event source mapping "
                            + "API");
                }
            } catch (RequestBodies.TooLargeException e) {
                RequestBodies.tooLarge(exchange);
            } catch (MappingNotFoundException e) {
                Exchanges.error(exchange, 404, "ResourceNotFoundException", message(e));
            } catch (MappingConflictException e) {
                Exchanges.error(exchange, 409, "ResourceConflictException", message(e));
            } catch (MappingInUseException e) {
                Exchanges.error(exchange, 400, "ResourceInUseException", message(e));
            } catch (JsonProcessingException e) {
                Exchanges.error(exchange, 400, "InvalidRequestContentException", "Could not parse request body into "
                        + "json: " + e.getOriginalMessage());
            } catch (IllegalArgumentException e) {
                Exchanges.error(exchange, 400, "InvalidParameterValueException", message(e));
            } catch (RuntimeException e) {
                LOG.error("api failed method={} path={}", method, exchange.getRequestURI().getPath(), e);
                Exchanges.error(exchange, 500, "ServiceException", "The worker failed: " + e);
            }
        }
    }

    /** The error's message: Lambda's always has one, so an exception without a message is named instead. */
    private static String message(RuntimeException e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /**
     * As Lambda answers an update: Enabling or Disabling when it turns the mapping on or off, else Updating (whatever
     * the mapping shows a moment later, once the old revision has drained).
     */
    private static String updateState(boolean wasEnabled, boolean enabled) {
        return wasEnabled == enabled ? "Updating" : enabled ? "Enabling" : "Disabling";
    }

    private ObjectNode list(Map<String, String> query) {
        String source = query.get("EventSourceArn");
        String function = query.get("FunctionName");
        ListMarker after = query.containsKey("Marker") ? ListMarker.parse(query.get("Marker")) : null;
        // As in Lambda: MaxItems up to 10,000 is accepted, but a page holds at most 100.
        int max = query.containsKey("MaxItems")
                ? Math.min(parse("MaxItems", query.get("MaxItems"), 1, 10_000), MAX_ITEMS) : MAX_ITEMS;
        Predicate<ManagedMapping> byFunction = function == null ? m -> true
                : byFunction(function, Functions.arn(function, region));
        List<ManagedMapping> matching = registry.list().stream()
                .filter(m -> source == null || m.spec().eventSourceArn().equals(source))
                .filter(byFunction)
                .filter(m -> after == null || after.isBefore(m))
                .toList();
        ObjectNode json = Exchanges.JSON.createObjectNode();
        ArrayNode page = json.putArray("EventSourceMappings");
        int end = Math.min(matching.size(), max);
        for (int i = 0; i < end; i++) {
            page.add(describe(matching.get(i)));
        }
        if (end < matching.size()) {
            json.put("NextMarker", ListMarker.of(matching.get(end - 1)).toString());
        }
        return json;
    }

    /**
     * Whether ListEventSourceMappings' FunctionName names the mapping's function: as a name, partial ARN or ARN, and
     * for a URL holding a password or token both as the client gave it (the whole URL) and as the API shows it (masked,
     * so that a FunctionArn read from the API finds its mappings again).
     */
    private Predicate<ManagedMapping> byFunction(String function, String functionArn) {
        return mapping -> {
            String real = Functions.arn(mapping.spec().functionName(), region);
            String shown = MappingJson.functionArn(mapping, region);
            return mapping.spec().functionName().equals(function) || real.equals(functionArn)
                    || shown.equals(functionArn) || real.endsWith(":function:" + function)
                    || shown.endsWith(":function:" + function);
        };
    }

    private static int parse(String field, String value, int min, int max) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new io.esm4j.worker.config.InvalidMappingException(field, value, "Expected an integer from " + min
                + " to " + max + ".");
    }

    private ObjectNode describe(ManagedMapping mapping) {
        return MappingJson.of(mapping, registry.defaults(mapping), region);
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes = RequestBodies.read(exchange);
        JsonNode body = bytes.length == 0 ? Exchanges.JSON.createObjectNode() : Exchanges.JSON.readTree(bytes);
        if (!body.isObject()) {
            throw new JsonParseException(null, "expected a JSON object of the request's fields, got " + switch (
                    body.getNodeType()) {
                case ARRAY -> "an array";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                default -> body.getNodeType().name().toLowerCase(Locale.ROOT);
            });
        }
        return body;
    }
}
