package io.esm4j.dynamodbstreams.wire;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * A DynamoDB Streams endpoint for tests, on the wire: HTTP on 127.0.0.1 with the AWS JSON 1.0 protocol
 * ({@code X-Amz-Target: DynamoDBStreams_20120810.<Operation>}), so that the real SDK client and the real source run
 * against it. It answers as the API reference describes, including the error bodies
 * ({@code {"__type": "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", "message": ...}}, HTTP 400; 500 for
 * InternalServerError). The shard log is the test's: it creates tables ({@link TestTable}), writes items, rolls
 * shards over or splits them, trims, moves the clock (iterators expire after 15 minutes of it) and injects throttling
 * and server errors.
 *
 * <p>It also answers {@code DynamoDB_20120810.DescribeTable} for its own tables, so that a source built from a table
 * name finds LatestStreamArn: dynalite, the DynamoDB server the project tests with, ignores StreamSpecification and
 * could not say which stream a table has.
 */
public final class DynamoDbStreamsWireServer implements AutoCloseable {

    /** One request as received, for assertions on what the source asked. */
    public record Call(String operation, JsonNode request) {}

    private final Object lock = new Object();
    private final MutableClock clock;
    private final SequenceNumbers sequenceNumbers = new SequenceNumbers();
    private final Map<String, TestTable> tables = new LinkedHashMap<>();
    private final StreamsApi api;
    private final Map<String, ArrayDeque<Fault>> faults = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final HttpServer http;
    private final ExecutorService executor;

    private DynamoDbStreamsWireServer(MutableClock clock) throws IOException {
        this.clock = clock;
        this.api = new StreamsApi(lock, clock, tables);
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(8);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Starts on a free port of 127.0.0.1, with a clock at the current time. */
    public static DynamoDbStreamsWireServer start() throws IOException {
        return new DynamoDbStreamsWireServer(MutableClock.startingNow());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** The endpoint's clock: records' creation times, iterator expiry and trimming follow it. */
    public MutableClock clock() {
        return clock;
    }

    /**
     * Creates a table keyed by {@code hashKey} (and {@code rangeKey}, if not null) with a stream of {@code shards}
     * open shards, or without a stream if {@code viewType} is null.
     */
    public TestTable createTable(String name, String hashKey, @Nullable String rangeKey,
                                 TestTable.@Nullable ViewType viewType, int shards) {
        synchronized (lock) {
            if (tables.containsKey(name)) {
                throw new IllegalArgumentException("table " + name + " exists");
            }
            TestTable table = new TestTable(lock, clock, sequenceNumbers, name, hashKey, rangeKey, viewType, shards);
            tables.put(name, table);
            return table;
        }
    }

    /** The next {@code times} calls of {@code operation} (e.g. {@code GetRecords}) fail with {@code fault}. */
    public void failNext(String operation, Fault fault, int times) {
        synchronized (lock) {
            ArrayDeque<Fault> queue = faults.computeIfAbsent(operation, o -> new ArrayDeque<>());
            for (int i = 0; i < times; i++) {
                queue.add(fault);
            }
        }
    }

    /** Drops the faults injected but not yet answered, of every operation. */
    public void clearFaults() {
        synchronized (lock) {
            faults.clear();
        }
    }

    /** Faults injected but not yet answered. */
    public int pendingFaults() {
        synchronized (lock) {
            return faults.values().stream().mapToInt(ArrayDeque::size).sum();
        }
    }

    /** The calls of {@code operation} (e.g. {@code GetShardIterator}) received so far, in order. */
    public List<Call> calls(String operation) {
        synchronized (lock) {
            return calls.stream().filter(c -> c.operation().equals(operation)).toList();
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            int status = 200;
            try {
                body = answer(exchange);
            } catch (WireError e) {
                status = e.status();
                body = error(e);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private byte[] answer(HttpExchange exchange) throws IOException {
        byte[] requestBody;
        try (InputStream in = exchange.getRequestBody()) {
            requestBody = in.readAllBytes();
        }
        if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
            throw WireError.missingAuthentication();
        }
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target == null || !"POST".equals(exchange.getRequestMethod())) {
            throw WireError.unknownOperation(String.valueOf(target));
        }
        JsonNode request;
        try {
            request = ItemJson.MAPPER.readTree(requestBody);
        } catch (JacksonException e) {
            throw WireError.serialization("Start of structure or map found where not expected.");
        }
        if (!(request instanceof ObjectNode)) {
            throw WireError.serialization("Start of structure or map found where not expected.");
        }
        String operation = target.substring(target.indexOf('.') + 1);
        Fault fault;
        synchronized (lock) {
            calls.add(new Call(operation, request));
            ArrayDeque<Fault> queue = faults.get(operation);
            fault = queue == null ? null : queue.poll();
        }
        if (fault != null) {
            throw fault.error();
        }
        StreamsApi.Answer answer = api.call(target, request);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = ItemJson.MAPPER.getFactory().createGenerator(out)) {
            answer.write(json);
        }
        return out.toByteArray();
    }

    private static byte[] error(WireError e) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = ItemJson.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("__type", e.type());
            json.writeStringField("message", e.getMessage());
            json.writeEndObject();
        }
        return out.toByteArray();
    }
}
