package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.sinks.S3FailureDestination;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.RecordingHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A DynamoDB Streams mapping embedded as a library, with an S3 on-failure destination resolved by
 * {@code FailureDestinations.forArn} and nothing else set: the destination's default writes the object's
 * {@code payload} as Lambda's DynamoDB event of the given-up records, so the poison record is stored and passed. (The
 * default wrote only Kinesis events: every delivery failed and the shard waited on the poison record for good.) The
 * S3 stand-in takes every PutObject and keeps the body by key.
 */
class S3OnFailureTest extends WireFixture {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> objects = new ConcurrentHashMap<>();
    private static HttpServer s3Server;
    private static S3Client s3;

    @BeforeAll
    static void startS3() throws IOException {
        s3Server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s3Server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s3Server.createContext("/", S3OnFailureTest::putObject);
        s3Server.start();
        s3 = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + s3Server.getAddress().getPort()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        s3Server.stop(0);
    }

    private static void putObject(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("PUT")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String sha = exchange.getRequestHeaders().getFirst("x-amz-content-sha256");
            objects.put(exchange.getRequestURI().getPath(), sha != null && sha.startsWith("STREAMING")
                    ? unchunked(body) : new String(body, StandardCharsets.UTF_8));
            exchange.getResponseHeaders().set("ETag", "\"e\"");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    /** The data of an aws-chunked body ({@code <hex size>;chunk-signature=...\r\n<data>\r\n}..., then size 0). */
    private static String unchunked(byte[] body) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        StringBuilder data = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            int size = Integer.parseInt(text.substring(at, lineEnd).split(";", 2)[0], 16);
            if (size == 0) {
                break;
            }
            data.append(text, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
        return new String(data.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    @Test
    void theDefaultDestinationStoresLambdasDynamoDbEventOfThePoisonRecordAndTheShardMovesOn() throws Exception {
        TestTable table = newTable(1);
        List<TestTable.Written> written = writeNumbered(table, 0, 5, 5);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>failingOn(r -> number(r) == 2);
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        String name = "ddb-s3-" + table.streamArn().hashCode();
        start(mapping(name, source(table), handler).leaseStore(store)
                .onFailure(FailureDestinations.builder().s3(s3).build().forArn(name, "arn:aws:s3:::failures"))
                .settings(fast().batchSize(1).maximumRetryAttempts(0).build()));

        String shardId = written.getFirst().shardId();
        eventually().until(() -> store.checkpoint(name, shardId).equals(Optional.of(
                new Checkpoint.AtSequenceNumber(written.getLast().sequenceNumber()))));

        String prefix = "/failures/aws/lambda/" + S3FailureDestination.mappingUuid(name) + "/" + shardId + "/";
        assertThat(objects.keySet()).filteredOn(key -> key.startsWith(prefix)).hasSize(1);
        String object = objects.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).findFirst()
                .orElseThrow().getValue();
        JsonNode document = JSON.readTree(object);
        assertThat(document.has("DDBStreamBatchInfo")).isTrue();
        DynamoDbRecord poison = handler.invocations().stream().flatMap(b -> b.records().stream())
                .map(StreamRecord::payload).filter(r -> number(r) == 2).findFirst().orElseThrow();
        // Exactly the event Lambda would have invoked the function with for the poison record alone.
        assertThat(document.get("payload").asText()).isEqualTo(DynamoDbEventJson.write(List.of(poison)));
    }
}
