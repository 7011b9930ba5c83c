package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.Endpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * A worker's stream mapping with an S3 on-failure destination stores the event of its source's records as the
 * object's {@code payload} (the default payload writer knows only {@code byte[]} records). S3 is a stand-in on
 * loopback that takes every PutObject and keeps its body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamDestinationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
    /** A bucket in another region than the worker's: the stand-in redirects requests not signed for its region. */
    private static final String FAR_BUCKET = "far-failures";
    private static final String FAR_REGION = "eu-west-1";

    private HttpServer s3;
    private final List<String> putBodies = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws IOException {
        s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        s3.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String authorization = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                if (exchange.getRequestURI().getPath().startsWith("/" + FAR_BUCKET + "/")
                        && !authorization.contains("/" + FAR_REGION + "/s3/")) {
                    // What S3 answers a request signed for another region than its bucket's.
                    byte[] error = ("<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to "
                            + "access must be addressed using the specified endpoint.</Message></Error>")
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("x-amz-bucket-region", FAR_REGION);
                    exchange.getResponseHeaders().add("Content-Type", "application/xml");
                    exchange.sendResponseHeaders(301, error.length);
                    exchange.getResponseBody().write(error);
                    return;
                }
                if (exchange.getRequestMethod().equals("PUT")) {
                    putBodies.add(new String(body, StandardCharsets.UTF_8));
                }
                exchange.sendResponseHeaders(200, -1);
            }
        });
        s3.start();
    }

    @AfterAll
    void stop() {
        s3.stop(0);
    }

    @Test
    void aKinesisMappingsS3DestinationStoresTheKinesisEventOfItsRecords() throws Exception {
        putBodies.clear();
        send("arn:aws:s3:::orders-failures");

        assertThat(putBodies).hasSize(1);
        String body = putBodies.getFirst();
        JsonNode object = JSON.readTree(body.substring(body.indexOf('{'), body.lastIndexOf('}') + 1));
        JsonNode event = JSON.readTree(object.get("payload").asText());
        assertThat(event.at("/Records/0/kinesis/data").asText()).isEqualTo("b3JkZXItMw==");
        assertThat(event.at("/Records/0/kinesis/sequenceNumber").asText())
                .isEqualTo("49590338271490256608559692538361571095921575989136588898");
        assertThat(event.at("/Records/0/eventSourceARN").asText()).isEqualTo(STREAM);
    }

    /**
     * A bucket ARN names no region: a bucket in another region than the worker's is answered with a redirect, which
     * the worker's S3 client follows (signing for the bucket's region) instead of refusing every delivery.
     */
    @Test
    void aBucketInAnotherRegionThanTheWorkersIsWrittenTo() throws Exception {
        putBodies.clear();
        send("arn:aws:s3:::" + FAR_BUCKET);

        assertThat(putBodies).hasSize(1);
        assertThat(putBodies.getFirst()).contains("RetryAttemptsExhausted");
    }

    /** Sends a Kinesis failure record through a worker's S3 destination of this ARN, S3 being the stand-in. */
    private void send(String bucketArn) throws Exception {
        KinesisRecord payload = KinesisRecord.of("shardId-000000000000", KinesisRecord.Kinesis.of("customer-3",
                        "49590338271490256608559692538361571095921575989136588898",
                        "order-3".getBytes(StandardCharsets.UTF_8), Instant.parse("2026-12-05T14:16:37.029Z"), "NONE"),
                "arn:aws:iam::123456789012:role/esm4j", "us-east-1", STREAM);
        StreamRecord<KinesisRecord> record = new StreamRecord<>("shardId-000000000000",
                payload.kinesis().sequenceNumber(), "customer-3", payload.kinesis().approximateArrivalTimestamp(), 7,
                payload);
        FailureRecord failure = new FailureRecord(new FailureRecord.RequestContext("c9b8fa9f-5a7f-4b0e-af9c-0c604cde93a5",
                "arn:aws:lambda:us-east-1:123456789012:function:orders", FailureCondition.RetryAttemptsExhausted, 1),
                FailureRecord.ResponseContext.unhandled(), Instant.parse("2026-12-05T14:16:42.690Z"),
                StreamBatchInfo.of(BatchInfoStyle.KINESIS, "shardId-000000000000", List.of(record), STREAM),
                List.of(record));

        try (AwsClients clients = new AwsClients(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("access", "secret")),
                Endpoints.none().with("s3", URI.create("http://127.0.0.1:" + s3.getAddress().getPort())))) {
            WorkerContext context = new WorkerContext(clients, new SimpleMeterRegistry(), null, "w1", false);
            FailureDestination destination = new KinesisSourceFactory().destinations(context)
                    .forArn("orders", bucketArn);

            destination.send(failure);
        }
    }
}
