package io.esm4j.sinks.sns;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A small SNS endpoint for tests, on 127.0.0.1 and a free port, that speaks the AWS Query protocol the SDK speaks to
 * SNS: form-encoded requests with {@code Action}, XML responses and errors as the SNS API reference documents them.
 * It implements CreateTopic, DeleteTopic and Publish (to topics; a topic delivers to no subscriber, it records
 * what it accepted) with the documented checks: NotFound for a missing topic, InvalidParameter for a bad topic name
 * or ARN, an empty message, a message with its attributes over the topic's {@code MaximumMessageSize} (256 KiB
 * unless CreateTopic set it, 1 KiB to 1 MiB), or a FIFO publish without MessageGroupId.
 * {@link #throttleNextPublishes} makes it answer Throttled, as SNS does over an account's rate.
 */
public final class SnsWireServer implements AutoCloseable {

    /** A topic's limit for a message with its attributes unless its MaximumMessageSize attribute sets another. */
    public static final int MAX_MESSAGE_BYTES = 262_144;
    /** The range of MaximumMessageSize, in bytes. */
    private static final int MIN_TOPIC_LIMIT = 1_024;
    private static final int MAX_TOPIC_LIMIT = 1_048_576;

    private static final Pattern TOPIC_NAME = Pattern.compile("[A-Za-z0-9_-]{1,256}");
    private static final Pattern FIFO_TOPIC_NAME = Pattern.compile("[A-Za-z0-9_-]{1,251}\\.fifo");

    private final String region;
    private final String account;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final List<PublishedMessage> published = new ArrayList<>();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private final AtomicInteger publishRequests = new AtomicInteger();

    private SnsWireServer(String region, String account) throws IOException {
        this.region = region;
        this.account = account;
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(4);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Starts a server whose topics are in {@code us-east-1}, account {@code 123456789012}. */
    public static SnsWireServer start() throws IOException {
        return start("us-east-1", "123456789012");
    }

    public static SnsWireServer start(String region, String account) throws IOException {
        SnsWireServer server = new SnsWireServer(region, account);
        server.http.start();
        return server;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** The ARN a topic of this name has (or would have) on this server. */
    public String topicArn(String name) {
        return "arn:aws:sns:" + region + ":" + account + ":" + name;
    }

    /** The next {@code count} Publish requests are answered Throttled (HTTP 429). */
    public void throttleNextPublishes(int count) {
        throttleNext.set(count);
    }

    /** How many Publish requests arrived, accepted or not. */
    public int publishRequests() {
        return publishRequests.get();
    }

    /** The messages published to the topic with this ARN, in order. */
    public List<PublishedMessage> published(String topicArn) {
        synchronized (published) {
            return published.stream().filter(m -> m.topicArn().equals(topicArn)).toList();
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        int status = 200;
        String body;
        try (exchange) {
            try {
                QueryRequest request = QueryRequest.parse(form(exchange));
                body = dispatch(request, requestId);
            } catch (SnsError e) {
                status = e.status();
                body = SnsXml.error(e, requestId);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String form(HttpExchange exchange) throws IOException {
        if (exchange.getRequestMethod().equals("GET")) {
            return exchange.getRequestURI().getRawQuery();
        }
        try (InputStream in = exchange.getRequestBody()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private String dispatch(QueryRequest request, String requestId) {
        String action = request.get("Action");
        if (action == null) {
            throw SnsError.missingAction();
        }
        return switch (action) {
            case "CreateTopic" -> SnsXml.response(action, createTopic(request), requestId);
            case "DeleteTopic" -> {
                deleteTopic(request);
                yield SnsXml.response(action, null, requestId);
            }
            case "Publish" -> SnsXml.response(action, publish(request), requestId);
            default -> throw SnsError.invalidAction(action);
        };
    }

    private String createTopic(QueryRequest request) {
        String name = request.get("Name");
        Map<String, Map<String, String>> attributes = request.entries("Attributes", "key", "value");
        boolean fifo = "true".equalsIgnoreCase(attributes.getOrDefault("FifoTopic", Map.of()).get(""));
        int maximumMessageSize = maximumMessageSize(attributes.getOrDefault("MaximumMessageSize", Map.of()).get(""));
        if (name == null || !(fifo ? FIFO_TOPIC_NAME : TOPIC_NAME).matcher(name).matches()) {
            throw SnsError.invalidParameter(fifo
                    ? "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase "
                    + "and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 "
                    + "characters long."
                    : "Invalid parameter: Topic Name");
        }
        // CreateTopic is idempotent: an existing topic's ARN comes back.
        topics.putIfAbsent(name, new Topic(fifo, maximumMessageSize));
        return SnsXml.element("TopicArn", topicArn(name));
    }

    private void deleteTopic(QueryRequest request) {
        String name = topicName(request.get("TopicArn"), "TopicArn");
        topics.remove(name);
    }

    private String publish(QueryRequest request) {
        publishRequests.incrementAndGet();
        if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw SnsError.throttled();
        }
        String topicArn = request.get("TopicArn") != null ? request.get("TopicArn") : request.get("TargetArn");
        if (topicArn == null) {
            throw SnsError.invalidParameter(request.get("PhoneNumber") != null
                    ? "Invalid parameter: PhoneNumber Reason: this endpoint delivers to topics only"
                    : "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
        }
        String name = topicName(topicArn, request.get("TopicArn") != null ? "TopicArn" : "TargetArn");
        String message = request.get("Message");
        if (message == null || message.isEmpty()) {
            throw SnsError.invalidParameter("Invalid parameter: Empty message");
        }
        Map<String, Map<String, String>> attributes = request.entries("MessageAttributes", "Name", "Value");
        Topic topic = topics.get(name);
        if (topic == null) {
            throw SnsError.notFound("Topic does not exist");
        }
        if (size(message, attributes) > topic.maximumMessageSize()) {
            throw SnsError.invalidParameter("Invalid parameter: Message too long");
        }
        if (topic.fifo() && request.get("MessageGroupId") == null) {
            throw SnsError.invalidParameter(
                    "Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
        }
        String messageId = UUID.randomUUID().toString();
        synchronized (published) {
            published.add(new PublishedMessage(messageId, topicArn, message, request.get("Subject"),
                    request.get("MessageStructure"), attributes, request.get("MessageGroupId")));
        }
        return SnsXml.element("MessageId", messageId);
    }

    /** A CreateTopic MaximumMessageSize attribute: the default without one. */
    private static int maximumMessageSize(String value) {
        if (value == null) {
            return MAX_MESSAGE_BYTES;
        }
        try {
            int bytes = Integer.parseInt(value);
            if (bytes >= MIN_TOPIC_LIMIT && bytes <= MAX_TOPIC_LIMIT) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // refused below, as any value out of range
        }
        throw SnsError.invalidParameter("Invalid parameter: Attributes Reason: MaximumMessageSize must be an integer "
                + "from " + MIN_TOPIC_LIMIT + " to " + MAX_TOPIC_LIMIT + " but was " + value);
    }

    private record Topic(boolean fifo, int maximumMessageSize) {}

    /** The topic name of an ARN on this server's region and account. */
    private String topicName(String arn, String parameter) {
        String prefix = "arn:aws:sns:" + region + ":" + account + ":";
        if (arn == null || !arn.startsWith(prefix) || arn.length() == prefix.length()) {
            throw SnsError.invalidParameter("Invalid parameter: " + parameter);
        }
        return arn.substring(prefix.length());
    }

    /** A message's size as SNS counts it: the body, plus each attribute's name, data type and value. */
    private static long size(String message, Map<String, Map<String, String>> attributes) {
        long size = utf8(message);
        for (Map.Entry<String, Map<String, String>> attribute : attributes.entrySet()) {
            size += utf8(attribute.getKey());
            for (String value : attribute.getValue().values()) {
                size += utf8(value);
            }
        }
        return size;
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
