package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodbstreams.wire.Fault;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.Shard;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Building the source and a mapping on it: ARN or table name, refusals with clear messages, the listing. */
class DynamoDbStreamSourceTest extends WireFixture {

    @Test
    void aTableNameIsResolvedToItsLatestStreamArn() {
        TestTable table = newTable(1);
        DynamoDbStreamSource source = DynamoDbStreamSource.builder(streams).table(table.name(), dynamodb).build();
        assertThat(source.streamArn()).isEqualTo(table.streamArn());
        assertThat(source.tableName()).isEqualTo(table.name());
    }

    @Test
    void aTableWithoutStreamIsRefusedWithAClearMessage() {
        TestTable table = server.createTable("no-stream-" + System.nanoTime(), "pk", null, null, 1);
        assertThatThrownBy(() -> DynamoDbStreamSource.builder(streams).table(table.name(), dynamodb).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table " + table.name() + " has no stream enabled")
                .hasMessageContaining("no LatestStreamArn");
    }

    @Test
    void aMalformedArnOrBothOrNeitherAreRefused() {
        assertThatThrownBy(() -> DynamoDbStreamSource.builder(streams)
                .streamArn("arn:aws:kinesis:us-east-1:1:stream/x").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a DynamoDB stream ARN");
        assertThatThrownBy(() -> DynamoDbStreamSource.builder(streams).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one of");
    }

    /** A table may be named {@code stream}, which puts {@code /stream/} in its ARN twice. */
    @Test
    void aTableNamedStreamIsTaken() {
        String arn = "arn:aws:dynamodb:us-east-1:123456789012:table/stream/stream/2024-06-10T19:26:16.525";
        DynamoDbStreamSource source = DynamoDbStreamSource.builder(streams).streamArn(arn).build();
        assertThat(source.streamArn()).isEqualTo(arn);
        assertThat(source.tableName()).isEqualTo("stream");
    }

    /**
     * A client sends every call to its own region, where DynamoDB Streams does not find another region's stream: the
     * mapping would only fail, listing after listing. So such a source is refused when it is built, as the Kinesis
     * source refuses one. A client with an endpoint override (the test endpoint here) is trusted to reach it.
     */
    @Test
    void aStreamOfAnotherRegionThanTheClientsIsRefusedUnlessTheClientHasAnEndpointOverride() {
        String euWest1 = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525";
        try (DynamoDbStreamsClient usEast1 = DynamoDbStreamsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(TestClients.CREDENTIALS).build()) {
            assertThatThrownBy(() -> DynamoDbStreamSource.builder(usEast1).streamArn(euWest1).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("stream " + euWest1 + " is in region eu-west-1, but the DynamoDbStreamsClient given "
                            + "for it is for region us-east-1; expected a client of the stream's region");
            String usEast1Arn = euWest1.replace("eu-west-1", "us-east-1");
            assertThat(DynamoDbStreamSource.builder(usEast1).streamArn(usEast1Arn).build().streamArn())
                    .isEqualTo(usEast1Arn);
        }
        assertThat(DynamoDbStreamSource.builder(streams).streamArn(euWest1).build().streamArn()).isEqualTo(euWest1);
    }

    @Test
    void theRetentionIsDynamoDbStreamsFixed24Hours() {
        assertThat(source(newTable(1)).retention()).contains(Duration.ofHours(24));
    }

    @Test
    void atTimestampIsRefusedWhenTheMappingIsBuilt() {
        DynamoDbStreamSource source = source(newTable(1));
        assertThat(source.startingPositions()).containsExactlyInAnyOrder(StartingPosition.TRIM_HORIZON,
                StartingPosition.LATEST);
        assertThatThrownBy(() -> EventSourceMapping.builder("at-timestamp", source, batch -> BatchResult.success())
                .settings(StreamSettings.builder().startingPositionAtTimestamp(Instant.now()).build()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AT_TIMESTAMP");
    }

    @Test
    void filterPatternsOnKeysTheRecordDoesNotHaveAreRefused() {
        DynamoDbStreamSource source = source(newTable(1));
        assertThatThrownBy(() -> EventSourceMapping.builder("bad-filter", source, batch -> BatchResult.success())
                .settings(fast().build())
                .filterCriteria(io.esm4j.filter.FilterCriteria.of(List.of("{\"data\":{\"a\":[\"b\"]}}"))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data");
    }

    @Test
    void aPlainPatternOnTheDynamodbObjectIsRefused() {
        DynamoDbStreamSource source = source(newTable(1));
        assertThatThrownBy(() -> EventSourceMapping.builder("plain-filter", source, batch -> BatchResult.success())
                .settings(fast().build())
                .filterCriteria(io.esm4j.filter.FilterCriteria.of(List.of("{\"dynamodb\":[\"x\"]}"))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON patterns on [dynamodb]");
        // A plain pattern on a metadata key is fine: eventName is a string.
        EventSourceMapping.builder("metadata-filter", source, batch -> BatchResult.success()).settings(fast().build())
                .filterCriteria(io.esm4j.filter.FilterCriteria.of(List.of("{\"eventName\":[\"INSERT\"]}"))).build()
                .close();
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> DynamoDbSourceSettings.builder().getRecordsPerSecondPerShard(11).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("GetRecordsPerSecondPerShard");
        assertThatThrownBy(() -> DynamoDbSourceSettings.builder()
                .throttleBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("ThrottleBackoffMax");
    }

    @Test
    void listShardsFollowsDescribeStreamPagesWithParents() throws Exception {
        TestTable table = newTable(60);
        List<String> children = table.rollover();
        List<Shard> shards = source(table).listShards();
        assertThat(shards).hasSize(120).extracting(Shard::shardId).containsExactlyElementsOf(table.shardIds());
        assertThat(shards.get(60).parentIds()).containsExactly(table.shardIds().getFirst());
        assertThat(children).hasSize(60);
        assertThat(server.calls("DescribeStream").stream().filter(c -> c.request().get("StreamArn").asText()
                .equals(table.streamArn()))).hasSize(2);
    }

    @Test
    void aThrottledDescribeStreamIsAskedAgainAndTheListingGoesOn() throws Exception {
        TestTable table = newTable(150);
        DynamoDbStreamSource source = source(table);
        server.failNext("DescribeStream", Fault.LIMIT_EXCEEDED, 1);
        server.failNext("DescribeStream", Fault.THROTTLING, 1);

        List<Shard> shards = source.listShards();

        assertThat(shards).extracting(Shard::shardId).containsExactlyElementsOf(table.shardIds());
        assertThat(server.calls("DescribeStream").stream().filter(c -> c.request().get("StreamArn").asText()
                .equals(table.streamArn()))).as("two refused, then the two pages").hasSize(4);
    }

    @Test
    void aDescribeStreamThrottledTimeAfterTimeFailsTheListingForTheEngineToShow() {
        TestTable table = newTable(1);
        DynamoDbStreamSource source = source(table);
        server.failNext("DescribeStream", Fault.LIMIT_EXCEEDED, DynamoDbStreamSource.MAX_THROTTLED_PAGES);

        assertThatThrownBy(source::listShards).isInstanceOf(LimitExceededException.class);
        assertThat(server.pendingFaults()).isZero();
    }

    /** ThrottleBackoffMax is the longest wait, jitter included, as for the shard reader's GetRecords backoff. */
    @Test
    void aThrottledDescribeStreamWaitsDoublingWithJitterButNeverOverThrottleBackoffMax() {
        DynamoDbSourceSettings settings = DynamoDbSourceSettings.builder()
                .throttleBackoff(Duration.ofMillis(500), Duration.ofSeconds(10)).build();
        assertThat(DynamoDbStreamSource.throttleWait(1, settings, 0.5)).isEqualTo(Duration.ofMillis(250));
        assertThat(DynamoDbStreamSource.throttleWait(3, settings, 1.0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(DynamoDbStreamSource.throttleWait(5, settings, 1.49)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DynamoDbStreamSource.throttleWait(60, settings, 1.49)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DynamoDbStreamSource.throttleWait(60, settings, 0.5)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void thePartitionKeyIsTheItemsKeysInACanonicalOrder() {
        Map<String, AttributeValue> one = new java.util.LinkedHashMap<>();
        one.put("sk", AttributeValue.fromN("1"));
        one.put("pk", AttributeValue.fromS("a"));
        Map<String, AttributeValue> other = new java.util.LinkedHashMap<>();
        other.put("pk", AttributeValue.fromS("a"));
        other.put("sk", AttributeValue.fromN("1"));
        assertThat(RecordConverter.partitionKey(one)).isEqualTo(RecordConverter.partitionKey(other))
                .isEqualTo("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}");
    }

    /**
     * The engine keeps a batch within Lambda's 6 MB by adding the source's envelope bytes and its records' sizes
     * (StreamSource.eventEnvelopeBytes): that sum must be the event's length, {@code {"Records":[...]}} and the commas
     * between records included, or a batch counted at 6 MB is written a few bytes over it.
     */
    @Test
    void theEnvelopeAndTheRecordSizesAddUpToTheEventsLength() {
        DynamoDbStreamSource source = source(newTable(1));
        RecordConverter converter = new RecordConverter("shardId-00000001", source.streamArn());
        List<StreamRecord<DynamoDbRecord>> records = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            records.add(converter.convert(Record.builder().eventID("e" + i).eventName("INSERT").eventVersion("1.1")
                    .eventSource("aws:dynamodb").awsRegion("us-east-1")
                    .dynamodb(software.amazon.awssdk.services.dynamodb.model.StreamRecord.builder()
                            .approximateCreationDateTime(Instant.ofEpochSecond(1_700_000_000L + i))
                            .keys(Map.of("pk", AttributeValue.fromS("ключ-" + i)))
                            .newImage(Map.of("pk", AttributeValue.fromS("ключ-" + i), "n", AttributeValue.fromN("" + i)))
                            .sequenceNumber("10000000000000000000" + i).sizeBytes(30L).streamViewType("NEW_IMAGE")
                            .build())
                    .build()));
            long counted = source.eventEnvelopeBytes("shardId-00000001")
                    + records.stream().mapToLong(StreamRecord::sizeBytes).sum();
            String event = DynamoDbEventJson.write(records.stream().map(StreamRecord::payload).toList());
            assertThat(counted).as("an event of %d records", records.size())
                    .isEqualTo(event.getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
