package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.LambdaRecord;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 failure destination against s3proxy (in-memory blob store), in this JVM on a free loopback port. */
class S3FailureDestinationTest {

    private static final String SHARD_DDB = "shardId-00000001573689847184-864758bb";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_TIME = "2019/11/14/2019-11-14T00.38.06";
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    private static S3ProxyServer server;
    private static S3Client s3;
    /** Answers every request as S3 answers one sent to another region than the bucket's (eu-west-1). */
    private static HttpServer otherRegion;
    private static S3Client toOtherRegion;
    private static final LostFirstAnswer lostFirstAnswer = new LostFirstAnswer();
    private static HttpServer lostFirstAnswerServer;
    private static URI lostFirstAnswerEndpoint;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
        s3 = AwsClients.s3(server.endpoint());
        otherRegion = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        otherRegion.createContext("/", S3FailureDestinationTest::permanentRedirect);
        otherRegion.start();
        toOtherRegion = AwsClients.s3(URI.create("http://127.0.0.1:" + otherRegion.getAddress().getPort()));
        lostFirstAnswerServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        lostFirstAnswerServer.createContext("/", lostFirstAnswer);
        lostFirstAnswerServer.start();
        lostFirstAnswerEndpoint = URI.create("http://127.0.0.1:" + lostFirstAnswerServer.getAddress().getPort());
    }

    @AfterAll
    static void stopServer() throws Exception {
        Closer.closeAll(toOtherRegion, () -> otherRegion.stop(0), () -> lostFirstAnswerServer.stop(0), s3, server);
    }

    @Test
    void storesTheRecordWithItsEventAsPayloadUnderLambdasKey() throws Exception {
        String bucket = createBucket();
        FailureRecord record = TestRecords.withTwoRecords();

        S3FailureDestination.of(s3, bucket, "orders").send(record);

        S3Object stored = onlyObject(bucket);
        assertThat(stored.key()).matches("aws/lambda/" + S3FailureDestination.mappingUuid("orders") + "/"
                + TestRecords.SHARD + "/" + KEY_TIME + "-" + UUID_PATTERN);
        ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(stored.key()));
        assertThat(object.response().contentType()).isEqualTo("application/json");
        String body = object.asUtf8String();
        String json = record.toJson();
        assertThat(body).startsWith(json.substring(0, json.length() - 1) + ",\"payload\":\"");
        LambdaShape.assertSameShape(body, LambdaShape.s3Object());

        // The payload as written, not re-parsed: Lambda's arrival times are decimals, which a parser may turn into doubles.
        String payload = JSON.readTree(body).get("payload").asText();
        assertThat(payload).isEqualTo("{\"Records\":["
                + "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":\"key-a\",\"sequenceNumber\":\"1\","
                + "\"data\":\"" + base64("{\"order\":1}") + "\",\"approximateArrivalTimestamp\":1573691884.835},"
                + "\"eventSource\":\"aws:kinesis\",\"eventVersion\":\"1.0\","
                + "\"eventID\":\"" + TestRecords.SHARD + ":1\",\"eventName\":\"aws:kinesis:record\","
                + "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/esm4j\",\"awsRegion\":\"us-east-2\","
                + "\"eventSourceARN\":\"" + TestRecords.STREAM_ARN + "\"},"
                + "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":null,\"sequenceNumber\":\"2\","
                + "\"data\":\"" + base64("not json \"at all\"\n") + "\",\"approximateArrivalTimestamp\":1573691885.58},"
                + "\"eventSource\":\"aws:kinesis\",\"eventVersion\":\"1.0\","
                + "\"eventID\":\"" + TestRecords.SHARD + ":2\",\"eventName\":\"aws:kinesis:record\","
                + "\"invokeIdentityArn\":\"arn:aws:iam::123456789012:role/esm4j\",\"awsRegion\":\"us-east-2\","
                + "\"eventSourceARN\":\"" + TestRecords.STREAM_ARN + "\"}]}");
    }

    @Test
    void aBatchInfoWithoutAShardLeavesTheKeyToTheRecordsShardAsForKafka() throws Exception {
        String bucket = createBucket();
        // Kafka's batch info names no shard; its records are of one partition, whose <topic>-<partition> is their
        // shard id.
        BatchInfo kafkaLike = new BatchInfo() {
            @Override
            public String jsonKey() {
                return "KafkaBatchInfo";
            }

            @Override
            public Map<String, Object> jsonFields() {
                return Map.of("batchSize", 1);
            }
        };
        StreamRecord<byte[]> record = new StreamRecord<>("orders-3", "42", "k", TestRecords.GIVEN_UP, 1, new byte[1]);
        FailureRecord failure = new FailureRecord(new FailureRecord.RequestContext("id", "arn",
                FailureCondition.RetryAttemptsExhausted, 1), FailureRecord.ResponseContext.unhandled(),
                TestRecords.GIVEN_UP, kafkaLike, List.of(record));
        S3FailureDestination destination = S3FailureDestination.of(s3, bucket, "orders",
                EventJson.ofPayloads(byte[].class, payloads -> "{}"));

        destination.send(failure);

        assertThat(onlyObject(bucket).key()).matches("aws/lambda/" + S3FailureDestination.mappingUuid("orders")
                + "/orders-3/" + KEY_TIME + "-" + UUID_PATTERN);
        FailureRecord withoutRecords = new FailureRecord(failure.requestContext(), failure.responseContext(),
                failure.timestamp(), kafkaLike, List.of());
        assertThatThrownBy(() -> destination.send(withoutRecords)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("KafkaBatchInfo and no stream records");
    }

    @Test
    void aCallersEventJsonWritesThePayload() throws Exception {
        String bucket = createBucket();
        EventJson texts = EventJson.ofPayloads(byte[].class, payloads -> JSON.createArrayNode().addAll(
                payloads.stream().map(p -> JSON.getNodeFactory().textNode(new String(p, StandardCharsets.UTF_8)))
                        .toList()).toString());

        S3FailureDestination.of(s3, bucket, "orders", texts).send(TestRecords.withTwoRecords());

        String body = s3.getObjectAsBytes(r -> r.bucket(bucket).key(onlyObject(bucket).key())).asUtf8String();
        assertThat(JSON.readTree(body).get("payload").asText()).isEqualTo("[\"{\\\"order\\\":1}\",\"not json \\\"at all\\\"\\n\"]");
    }

    @Test
    void aPayloadOfAnotherTypeFailsTheDeliveryNamingTheType() {
        String bucket = createBucket();
        EventJson strings = EventJson.ofPayloads(String.class, List::toString);

        assertThatThrownBy(() -> S3FailureDestination.of(s3, bucket, "orders", strings)
                .send(TestRecords.withTwoRecords()))
                .hasMessageStartingWith("cannot store a failure record in S3 bucket " + bucket + ": this EventJson "
                        + "writes payloads of type java.lang.String but the mapping's payloads are byte[]; give the S3 "
                        + "destination an EventJson for them");
        assertThat(s3.listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
    }

    /** A source's record that writes itself, as the DynamoDB Streams and Kinesis sources' records do. */
    private record SelfWriting(String json) implements LambdaRecord {
        @Override
        public String lambdaJson() {
            return json;
        }
    }

    /**
     * The default writes payloads that are LambdaRecords as they write themselves, whatever their batch info: a
     * DynamoDB Streams mapping's S3 objects need no EventJson of their own. Other payloads fail, naming what to set.
     */
    @Test
    void theDefaultWritesRecordsThatWriteThemselvesWhateverTheirSource() throws Exception {
        String dynamodbArn = "arn:aws:dynamodb:us-east-2:123456789012:table/t/stream/2024-06-10T19:26:16.525";
        List<StreamRecord<SelfWriting>> records = List.of(
                new StreamRecord<>(SHARD_DDB, "111", "k", TestRecords.GIVEN_UP, 10,
                        new SelfWriting("{\"eventID\":\"1\",\"dynamodb\":{\"SizeBytes\":26}}")),
                new StreamRecord<>(SHARD_DDB, "112", "k", TestRecords.GIVEN_UP, 10,
                        new SelfWriting("{\"eventID\":\"2\",\"n\":1.50}")));
        FailureRecord failure = new FailureRecord(new FailureRecord.RequestContext("id", "arn",
                FailureCondition.RetryAttemptsExhausted, 1), FailureRecord.ResponseContext.unhandled(),
                TestRecords.GIVEN_UP, StreamBatchInfo.of(BatchInfoStyle.DYNAMODB_STREAMS, SHARD_DDB, records,
                dynamodbArn), records);
        S3FailureDestination destination = S3FailureDestination.of(s3, "failures", "orders");

        assertThat(JSON.readTree(destination.document(failure)).get("payload").asText()).isEqualTo(
                "{\"Records\":[{\"eventID\":\"1\",\"dynamodb\":{\"SizeBytes\":26}},{\"eventID\":\"2\",\"n\":1.50}]}");

        List<StreamRecord<String>> strings = List.of(
                new StreamRecord<>(SHARD_DDB, "111", "k", TestRecords.GIVEN_UP, 1, "text"));
        FailureRecord ofStrings = new FailureRecord(failure.requestContext(), failure.responseContext(),
                failure.timestamp(), StreamBatchInfo.of(BatchInfoStyle.DYNAMODB_STREAMS, SHARD_DDB, strings,
                dynamodbArn), strings);
        assertThatThrownBy(() -> destination.document(ofStrings)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("but this failure record has DDBStreamBatchInfo and a payload of type "
                        + "java.lang.String; give the S3 destination an EventJson for its source: "
                        + "FailureDestinations.builder().eventJson(...)");
    }

    @Test
    void aMappingDeliversItsPoisonRecordAndPassesItOnlyOnceTheBucketTakesIt() throws Exception {
        // The bucket does not exist yet: S3 answers NoSuchBucket, as it would to a mapping whose bucket was deleted.
        String name = "orders-s3-" + shortId();
        String bucket = "failures-" + shortId();
        // The test's own calls on a client of their own: while the mapping's puts fail, s3proxy answers NoSuchBucket
        // before reading their bodies and may close the mapping client's pooled connections under it, so that every
        // retry of a call on that pool can meet a broken pipe.
        try (S3Client mappings = AwsClients.s3(server.endpoint());
             PoisonMapping run = PoisonMapping.start(name, S3FailureDestination.of(mappings, bucket, name))) {
            run.assertCheckpointWaitsThrough(3);

            s3.createBucket(r -> r.bucket(bucket));
            run.awaitCheckpointPastThePoison();

            S3Object stored = onlyObject(bucket);
            assertThat(stored.key()).startsWith("aws/lambda/" + S3FailureDestination.mappingUuid(name) + "/"
                    + run.shardId() + "/");
            String body = s3.getObjectAsBytes(r -> r.bucket(bucket).key(stored.key())).asUtf8String();
            LambdaShape.assertSameShape(body, LambdaShape.s3Object());
            run.assertIsThePoisonRecord(body);
            JsonNode event = JSON.readTree(JSON.readTree(body).get("payload").asText());
            assertThat(event.get("Records")).singleElement().satisfies(r -> {
                assertThat(r.get("kinesis").get("sequenceNumber").asText()).isEqualTo(run.poison.sequenceNumber());
                assertThat(r.get("kinesis").get("data").asText()).isEqualTo(
                        Base64.getEncoder().encodeToString(run.poison.payload()));
                assertThat(r.get("eventSourceARN").asText()).isEqualTo(run.stream.streamArn());
            });
        }
    }

    /**
     * S3 stored the object but its answer was lost (a timeout, a dropped connection): the delivery failed, and the
     * engine sends the same failure record again. The retry overwrites that object instead of storing a second copy
     * of the records under another key, as the same failure record (same requestId) is sent on every attempt.
     */
    @Test
    void aRetryAfterALostAnswerOverwritesTheObjectTheFirstAttemptStored() throws Exception {
        String name = "orders-lost-" + shortId();
        try (S3Client withoutRetries = S3Client.builder().endpointOverride(lostFirstAnswerEndpoint)
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "s")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
             PoisonMapping run = PoisonMapping.start(name, S3FailureDestination.of(withoutRetries, name, name))) {
            run.awaitCheckpointPastThePoison();

            assertThat(run.deliveryFailures()).as("the attempt whose answer was lost").isEqualTo(1);
            List<String> puts = lostFirstAnswer.puts(name);
            assertThat(puts).as("both attempts").hasSize(2);
            assertThat(puts.get(1)).as("the retry's key").isEqualTo(puts.get(0))
                    .startsWith("/" + name + "/aws/lambda/" + S3FailureDestination.mappingUuid(name) + "/"
                            + run.shardId() + "/");
        }
    }

    @Test
    void aMissingBucketFailsTheDeliveryNamingTheBucketAndS3sReason() {
        String bucket = "missing-" + shortId();

        assertThatThrownBy(() -> S3FailureDestination.of(s3, bucket, "orders").send(TestRecords.withTwoRecords()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot store a failure record in S3 bucket " + bucket + " (key aws/lambda/")
                .hasMessageContaining("The specified bucket does not exist");
    }

    /** S3 names the bucket's region only in a header: the error says it, and how to reach the bucket. */
    @Test
    void aBucketOfAnotherRegionFailsTheDeliveryNamingBothRegions() {
        assertThatThrownBy(() -> S3FailureDestination.of(toOtherRegion, "failures", "orders")
                .send(TestRecords.withTwoRecords()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot store a failure record in S3 bucket failures (key aws/lambda/")
                .hasMessageContaining("must be addressed using the specified endpoint")
                .hasMessageEndingWith("; the bucket is in region eu-west-1 but the S3Client is for region us-east-1: "
                        + "give an S3Client of region eu-west-1, or one built with crossRegionAccessEnabled(true)");
    }

    @Test
    void theMappingUuidIsStableAndNameBased() {
        UUID uuid = S3FailureDestination.mappingUuid("orders");

        assertThat(uuid).isEqualTo(UUID.nameUUIDFromBytes("orders".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(S3FailureDestination.mappingUuid("orders"))
                .isNotEqualTo(S3FailureDestination.mappingUuid("orders2"));
        assertThat(uuid.version()).isEqualTo(3);
    }

    /**
     * The worker names each mapping by its UUID, the one its API and Lambda's report: the objects are under that UUID,
     * where a user who knows the mapping from Lambda looks for them, not under a UUID derived from it.
     */
    @Test
    void aMappingNamedByItsUuidKeysItsObjectsUnderThatUuid() throws Exception {
        String bucket = createBucket();
        String mappingUuid = "a1b2c3d4-0000-4a5b-8c9d-0123456789ab";

        S3FailureDestination.of(s3, bucket, mappingUuid).send(TestRecords.withTwoRecords());

        assertThat(S3FailureDestination.mappingUuid(mappingUuid)).hasToString(mappingUuid);
        assertThat(onlyObject(bucket).key()).matches("aws/lambda/" + mappingUuid + "/" + TestRecords.SHARD + "/"
                + KEY_TIME + "-" + UUID_PATTERN);
        // Not a UUID as Lambda writes one (upper case): a name like any other.
        assertThat(S3FailureDestination.mappingUuid(mappingUuid.toUpperCase(Locale.ROOT)).version()).isEqualTo(3);
    }

    @Test
    void badBucketsArnsAndMappingNamesAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> S3FailureDestination.of(s3, "Bad_Bucket", "orders"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 'Bad_Bucket'");
        assertThatThrownBy(() -> S3FailureDestination.of(s3, "failures", "arn:aws:s3:::failures"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mappingName must be an event source mapping's name")
                .hasMessageContaining("but was 'arn:aws:s3:::failures'");
        for (String arn : new String[] {"arn:aws:s3:::failures/prefix", "arn:aws:s3:us-east-1:123456789012:failures",
                "arn:aws:sqs:us-east-1:123456789012:failures"}) {
            assertThatThrownBy(() -> S3FailureDestination.ofArn(s3, arn, "orders", EventJson.bytesAsKinesis()))
                    .as(arn)
                    .hasMessage("destination must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>) but was '"
                            + arn + "'");
        }
    }

    /** S3's answer to a request for a bucket of another region: 301, the bucket's region in a header. */
    private static void permanentRedirect(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code>"
                    + "<Message>The bucket you are attempting to access must be addressed using the specified "
                    + "endpoint. Please send all future requests to this endpoint.</Message>"
                    + "<Endpoint>failures.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>failures</Bucket>"
                    + "<RequestId>0A1B2C3D4E5F6789</RequestId><HostId>host</HostId></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/xml");
            exchange.getResponseHeaders().set("x-amz-bucket-region", "eu-west-1");
            exchange.sendResponseHeaders(301, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /**
     * A stand-in S3 that takes every PutObject, but drops the connection without an answer to the first one of
     * each bucket, after reading (storing) it. Keeps the path of each PutObject by bucket.
     */
    private static final class LostFirstAnswer implements HttpHandler {

        private final Map<String, List<String>> puts = new ConcurrentHashMap<>();

        List<String> puts(String bucket) {
            return List.copyOf(puts.getOrDefault(bucket, List.of()));
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getPath();
                List<String> ofBucket = puts.computeIfAbsent(path.split("/")[1], b -> new CopyOnWriteArrayList<>());
                ofBucket.add(path);
                if (ofBucket.size() > 1) {
                    exchange.sendResponseHeaders(200, -1);
                }
            }
        }
    }

    private static S3Object onlyObject(String bucket) {
        List<S3Object> objects = s3.listObjectsV2(r -> r.bucket(bucket)).contents();
        assertThat(objects).hasSize(1);
        return objects.getFirst();
    }

    private static String createBucket() {
        String bucket = "failures-" + shortId();
        s3.createBucket(r -> r.bucket(bucket));
        return bucket;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
