package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.Fault;
import io.esm4j.dynamodbstreams.wire.TestTable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The test endpoint itself, through the real SDK clients over HTTP: what each operation answers, and the errors as
 * the SDK sees them (it maps {@code __type} to its exception classes, so a wrong type string would show here).
 */
class WireServerTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static DynamoDbStreamsWireServer server;
    private static DynamoDbStreamsClient streams;
    private static DynamoDbClient dynamodb;

    @BeforeAll
    static void start() throws IOException {
        server = DynamoDbStreamsWireServer.start();
        streams = TestClients.streams(server.endpoint());
        dynamodb = TestClients.dynamodb(server.endpoint());
    }

    @AfterAll
    static void stop() {
        if (streams != null) {
            streams.close();
            dynamodb.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static TestTable table(TestTable.ViewType viewType, int shards) {
        return server.createTable("wire-" + TABLES.incrementAndGet(), "pk", "sk", viewType, shards);
    }

    private static String iterator(String arn, String shardId, ShardIteratorType type, String sequenceNumber) {
        return streams.getShardIterator(r -> r.streamArn(arn).shardId(shardId).shardIteratorType(type)
                .sequenceNumber(sequenceNumber)).shardIterator();
    }

    @Test
    void describeTableGivesTheLatestStreamArnAndNoneForATableWithoutStream() {
        TestTable withStream = table(TestTable.ViewType.NEW_IMAGE, 1);
        assertThat(dynamodb.describeTable(r -> r.tableName(withStream.name())).table().latestStreamArn())
                .isEqualTo(withStream.streamArn())
                .matches("arn:aws:dynamodb:us-east-1:000000000000:table/wire-\\d+/stream/"
                        + "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}");
        TestTable without = server.createTable("plain-" + TABLES.incrementAndGet(), "pk", null, null, 1);
        assertThat(dynamodb.describeTable(r -> r.tableName(without.name())).table().latestStreamArn()).isNull();
        assertThatThrownBy(() -> dynamodb.describeTable(r -> r.tableName("missing")))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("Requested resource not found: Table: missing not found")
                .satisfies(e -> assertThat(((DynamoDbException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void listStreamsFiltersByTable() {
        TestTable table = table(TestTable.ViewType.KEYS_ONLY, 1);
        assertThat(streams.listStreams(r -> r.tableName(table.name())).streams())
                .singleElement().satisfies(s -> {
                    assertThat(s.streamArn()).isEqualTo(table.streamArn());
                    assertThat(s.tableName()).isEqualTo(table.name());
                });
    }

    @Test
    void describeStreamPagesByExclusiveStartShardIdAndListsParents() {
        TestTable table = table(TestTable.ViewType.KEYS_ONLY, 3);
        String parent = table.shardIds().getFirst();
        List<String> children = table.split(parent);
        List<Shard> shards = new ArrayList<>();
        String start = null;
        int pages = 0;
        do {
            String exclusiveStart = start;
            DescribeStreamResponse page = streams.describeStream(r -> r.streamArn(table.streamArn()).limit(2)
                    .exclusiveStartShardId(exclusiveStart));
            shards.addAll(page.streamDescription().shards());
            start = page.streamDescription().lastEvaluatedShardId();
            pages++;
        } while (start != null);
        assertThat(pages).isEqualTo(3);
        assertThat(shards).extracting(Shard::shardId).containsExactlyElementsOf(table.shardIds());
        assertThat(shards.getFirst().sequenceNumberRange().endingSequenceNumber()).isNotNull();
        assertThat(shards.get(1).sequenceNumberRange().endingSequenceNumber()).isNull();
        assertThat(shards).filteredOn(s -> children.contains(s.shardId()))
                .extracting(Shard::parentShardId).containsExactly(parent, parent);
        assertThat(shards.getFirst().shardId()).matches("shardId-\\d{20}-[0-9a-f]{8}");
        assertThatThrownBy(() -> streams.describeStream(r -> r.streamArn(table.streamArn()).limit(101)))
                .isInstanceOf(DynamoDbException.class)
                .satisfies(e -> assertThat(((DynamoDbException) e).awsErrorDetails().errorCode())
                        .isEqualTo("ValidationException"));
    }

    @Test
    void recordsCarryTheImagesOfTheViewTypeInWriteOrder() {
        TestTable table = table(TestTable.ViewType.NEW_AND_OLD_IMAGES, 1);
        table.put("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"one\"}}");
        table.put("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"one\"}}"); // no change: no record
        table.put("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"two\"},\"b\":{\"B\":\"AQI=\"}}");
        table.delete("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}");
        table.expire("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}"); // already gone: no record
        String shard = table.shardIds().getFirst();
        GetRecordsResponse response = streams.getRecords(r -> r.shardIterator(
                iterator(table.streamArn(), shard, ShardIteratorType.TRIM_HORIZON, null)));
        List<Record> records = response.records();
        assertThat(records).extracting(Record::eventName)
                .containsExactly(OperationType.INSERT, OperationType.MODIFY, OperationType.REMOVE);
        assertThat(records.get(0).dynamodb().newImage().get("v")).isEqualTo(AttributeValue.fromS("one"));
        assertThat(records.get(0).dynamodb().oldImage()).isEmpty();
        assertThat(records.get(1).dynamodb().oldImage().get("v")).isEqualTo(AttributeValue.fromS("one"));
        assertThat(records.get(1).dynamodb().newImage().get("b").b().asByteArray()).containsExactly(1, 2);
        assertThat(records.get(2).dynamodb().newImage()).isEmpty();
        assertThat(records.get(2).dynamodb().keys()).containsOnlyKeys("pk", "sk");
        assertThat(records).allSatisfy(r -> {
            assertThat(r.eventSource()).isEqualTo("aws:dynamodb");
            assertThat(r.awsRegion()).isEqualTo("us-east-1");
            assertThat(r.dynamodb().sequenceNumber()).hasSizeBetween(21, 40);
            assertThat(r.dynamodb().sizeBytes()).isPositive();
            assertThat(r.dynamodb().approximateCreationDateTime().getNano()).isZero();
            assertThat(r.userIdentity()).isNull();
        });
        assertThat(response.nextShardIterator()).isNotNull(); // an open shard never ends

        TestTable keysOnly = table(TestTable.ViewType.KEYS_ONLY, 1);
        keysOnly.put("{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"2\"},\"v\":{\"S\":\"x\"}}");
        keysOnly.expire("{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"2\"}}");
        List<Record> keyRecords = streams.getRecords(r -> r.shardIterator(iterator(keysOnly.streamArn(),
                keysOnly.shardIds().getFirst(), ShardIteratorType.TRIM_HORIZON, null))).records();
        assertThat(keyRecords).allSatisfy(r -> {
            assertThat(r.dynamodb().newImage()).isEmpty();
            assertThat(r.dynamodb().oldImage()).isEmpty();
        });
        assertThat(keyRecords.get(1).userIdentity().principalId()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(keyRecords.get(1).userIdentity().type()).isEqualTo("Service");
    }

    @Test
    void iteratorTypesPositionAsTheApiSaysAndAClosedShardEndsWithoutNextIterator() {
        TestTable table = table(TestTable.ViewType.KEYS_ONLY, 1);
        List<String> sequence = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sequence.add(table.put("{\"pk\":{\"S\":\"k" + i + "\"},\"sk\":{\"N\":\"0\"}}").orElseThrow()
                    .sequenceNumber());
        }
        String arn = table.streamArn();
        String shard = table.shardIds().getFirst();
        String latest = iterator(arn, shard, ShardIteratorType.LATEST, null);
        assertThat(streams.getRecords(r -> r.shardIterator(latest)).records()).isEmpty();
        assertThat(first(iterator(arn, shard, ShardIteratorType.AT_SEQUENCE_NUMBER, sequence.get(2))))
                .isEqualTo(sequence.get(2));
        assertThat(first(iterator(arn, shard, ShardIteratorType.AFTER_SEQUENCE_NUMBER, sequence.get(2))))
                .isEqualTo(sequence.get(3));

        table.rollover();
        String trimHorizon = iterator(arn, shard, ShardIteratorType.TRIM_HORIZON, null);
        GetRecordsResponse page1 = streams.getRecords(r -> r.shardIterator(trimHorizon).limit(3));
        assertThat(page1.records()).hasSize(3);
        GetRecordsResponse page2 = streams.getRecords(r -> r.shardIterator(page1.nextShardIterator()).limit(3));
        assertThat(page2.records()).extracting(r -> r.dynamodb().sequenceNumber())
                .containsExactlyElementsOf(sequence.subList(3, 5));
        assertThat(page2.nextShardIterator()).isNull();
        assertThatThrownBy(() -> streams.getRecords(r -> r.shardIterator(trimHorizon).limit(1001)))
                .isInstanceOf(DynamoDbException.class).hasMessageContaining("less than or equal to 1000");
    }

    @Test
    void getRecordsStopsAtOneMegabyte() {
        TestTable table = table(TestTable.ViewType.NEW_IMAGE, 1);
        String big = "x".repeat(300_000);
        for (int i = 0; i < 4; i++) {
            table.put("{\"pk\":{\"S\":\"k" + i + "\"},\"sk\":{\"N\":\"0\"},\"v\":{\"S\":\"" + big + "\"}}");
        }
        GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(iterator(table.streamArn(),
                table.shardIds().getFirst(), ShardIteratorType.TRIM_HORIZON, null)));
        assertThat(page.records()).hasSize(3);
        assertThat(streams.getRecords(r -> r.shardIterator(page.nextShardIterator())).records()).hasSize(1);
    }

    private static String first(String iterator) {
        return streams.getRecords(r -> r.shardIterator(iterator)).records().getFirst().dynamodb().sequenceNumber();
    }

    @Test
    void iteratorsExpireAfterFifteenMinutesOfTheClock() {
        TestTable table = table(TestTable.ViewType.KEYS_ONLY, 1);
        String iterator = iterator(table.streamArn(), table.shardIds().getFirst(), ShardIteratorType.TRIM_HORIZON,
                null);
        server.clock().advance(Duration.ofMinutes(15));
        assertThat(streams.getRecords(r -> r.shardIterator(iterator)).records()).isEmpty();
        server.clock().advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> streams.getRecords(r -> r.shardIterator(iterator)))
                .isInstanceOf(ExpiredIteratorException.class)
                .satisfies(e -> assertThat(((DynamoDbException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void trimmedPositionsAreRefusedAndTrimHorizonSkipsThem() {
        TestTable table = table(TestTable.ViewType.KEYS_ONLY, 1);
        String old = table.put("{\"pk\":{\"S\":\"old\"},\"sk\":{\"N\":\"0\"}}").orElseThrow().sequenceNumber();
        String arn = table.streamArn();
        String shard = table.shardIds().getFirst();
        String before = iterator(arn, shard, ShardIteratorType.TRIM_HORIZON, null);
        server.clock().advance(Duration.ofHours(25));
        String fresh = table.put("{\"pk\":{\"S\":\"new\"},\"sk\":{\"N\":\"0\"}}").orElseThrow().sequenceNumber();
        table.trimOlderThan(Duration.ofHours(24));

        assertThatThrownBy(() -> iterator(arn, shard, ShardIteratorType.AT_SEQUENCE_NUMBER, old))
                .isInstanceOf(TrimmedDataAccessException.class)
                .hasMessageContaining("The operation attempted to read past the oldest stream record in a shard.");
        assertThatThrownBy(() -> streams.getRecords(r -> r.shardIterator(before)))
                .isInstanceOf(ExpiredIteratorException.class);
        assertThat(first(iterator(arn, shard, ShardIteratorType.TRIM_HORIZON, null))).isEqualTo(fresh);
        assertThat(first(iterator(arn, shard, ShardIteratorType.AFTER_SEQUENCE_NUMBER, old))).isEqualTo(fresh);
    }

    @Test
    void injectedFaultsArriveAsTheSdkExceptionsOfTheRealService() {
        TestTable table = table(TestTable.ViewType.KEYS_ONLY, 1);
        String iterator = iterator(table.streamArn(), table.shardIds().getFirst(), ShardIteratorType.TRIM_HORIZON,
                null);
        server.failNext("GetRecords", Fault.LIMIT_EXCEEDED, 1);
        server.failNext("GetRecords", Fault.INTERNAL_SERVER_ERROR, 1);
        server.failNext("GetRecords", Fault.THROTTLING, 1);
        assertThatThrownBy(() -> streams.getRecords(r -> r.shardIterator(iterator)))
                .isInstanceOf(LimitExceededException.class);
        assertThatThrownBy(() -> streams.getRecords(r -> r.shardIterator(iterator)))
                .isInstanceOf(InternalServerErrorException.class)
                .satisfies(e -> assertThat(((DynamoDbException) e).statusCode()).isEqualTo(500));
        assertThatThrownBy(() -> streams.getRecords(r -> r.shardIterator(iterator)))
                .isInstanceOf(DynamoDbException.class)
                .satisfies(e -> assertThat(((DynamoDbException) e).isThrottlingException()).isTrue());
        assertThat(streams.getRecords(r -> r.shardIterator(iterator)).records()).isEmpty();
        assertThatThrownBy(() -> iterator(table.streamArn(), "shardId-00000000000000000000-ffffffff",
                ShardIteratorType.LATEST, null)).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void unsignedRequestsAndUnknownOperationsAreRefusedAsAwsDoes() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(server.endpoint())
                    .header("X-Amz-Target", "DynamoDBStreams_20120810.ListStreams")
                    .header("Content-Type", "application/x-amz-json-1.0")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unsigned.statusCode()).isEqualTo(400);
            assertThat(unsigned.body()).contains("MissingAuthenticationTokenException");
            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                    .header("X-Amz-Target", "DynamoDBStreams_20120810.PutRecord")
                    .header("Authorization", "AWS4-HMAC-SHA256 test")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("UnknownOperationException");
        }
    }
}
