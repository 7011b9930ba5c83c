package io.esm4j.dynamodbstreams;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.handler.RecordsJson;
import io.esm4j.settings.StartingPosition;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.esm4j.stream.polling.IteratorReaderSettings;
import io.esm4j.stream.polling.IteratorShardReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsServiceClientConfiguration;

/**
 * A DynamoDB stream as a stream source, on the AWS SDK v2 {@link DynamoDbStreamsClient}: it lists shards with their
 * parents (DynamoDB closes shards and opens children every few hours, and splits them), reads each on esm-core's
 * {@link IteratorShardReader} and hands the handler Lambda-shaped {@link DynamoDbRecord}s.
 *
 * <pre>{@code
 * DynamoDbStreamSource source = DynamoDbStreamSource.builder(streamsClient).table("orders", dynamoDbClient).build();
 * EventSourceMapping<DynamoDbRecord> mapping = EventSourceMapping.builder("orders-to-billing", source, handler)
 *         .settings(StreamSettings.builder().startingPosition(StartingPosition.LATEST).build())
 *         .build();
 * }</pre>
 *
 * The clients are the caller's: their endpoint, region, credentials, retries and HTTP client apply, and the source
 * does not close them.
 */
public final class DynamoDbStreamSource implements StreamSource<DynamoDbRecord> {

    /** DynamoDB Streams keeps a record for 24 hours; the period cannot be changed. */
    static final Duration RETENTION = Duration.ofHours(24);
    /** GetRecords returns at most 1,000 records. */
    static final int MAX_GET_RECORDS = 1_000;
    /** DescribeStream returns at most 100 shards a page. */
    private static final int DESCRIBE_STREAM_LIMIT = 100;
    /**
     * DescribeStream calls of one page answered with throttling in a row before the listing fails: the engine then
     * shows the problem and lists again after its own backoff.
     */
    static final int MAX_THROTTLED_PAGES = 5;
    /** The record's top-level fields: Lambda filters on {@code dynamodb} and on the metadata beside it. */
    private static final Set<String> FILTERABLE_KEYS = Set.of("eventID", "eventName", "eventVersion", "eventSource",
            "awsRegion", "dynamodb", "userIdentity", "eventSourceARN");

    private final DynamoDbStreamsClient client;
    private final StreamArn arn;
    private final DynamoDbSourceSettings settings;
    /** The table's latest stream, for a source built with a DynamoDbClient; null for one built by ARN. */
    private final @Nullable LatestStream latest;
    private final Set<String> closedShards = ConcurrentHashMap.newKeySet();
    /** StreamStatus as the last listing found it, when it is not ENABLED (or ENABLING); null otherwise. */
    private volatile @Nullable String notEnabled;

    private DynamoDbStreamSource(DynamoDbStreamsClient client, StreamArn arn, DynamoDbSourceSettings settings,
                                 @Nullable LatestStream latest) {
        this.client = client;
        this.arn = arn;
        this.settings = settings;
        this.latest = latest;
    }

    public static Builder builder(DynamoDbStreamsClient client) {
        return new Builder(client);
    }

    @Override
    public String streamArn() {
        return arn.text();
    }

    /** The table the stream belongs to. */
    public String tableName() {
        return arn.tableName();
    }

    /** DynamoDB Streams has no AT_TIMESTAMP iterator, so a mapping can start at TRIM_HORIZON or LATEST only. */
    @Override
    public Set<StartingPosition> startingPositions() {
        return EnumSet.of(StartingPosition.TRIM_HORIZON, StartingPosition.LATEST);
    }

    /**
     * 24 hours, fixed: with MaximumRecordAgeInSeconds -1 a failing record is retried until it is a day old, then
     * given up with condition RecordAgeExceeded, as Lambda retries it "until the record expires".
     */
    @Override
    public Optional<Duration> retention() {
        return Optional.of(RETENTION);
    }

    /** The stream record's own {@code eventID}. */
    @Override
    public String naturalId(StreamRecord<DynamoDbRecord> record) {
        return record.payload().eventID();
    }

    /** {@code DDBStreamBatchInfo}, with arrival times in whole seconds. */
    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<DynamoDbRecord>> records) {
        return StreamBatchInfo.of(BatchInfoStyle.DYNAMODB_STREAMS, shardId, records, arn.text());
    }

    /**
     * {@link RecordsJson#ENVELOPE_BYTES}: each record's size counts the comma before it ({@link RecordConverter}), so
     * with the records' sizes this is the event's exact length, which the engine keeps within Lambda's 6 MB.
     */
    @Override
    public int eventEnvelopeBytes(String shardId) {
        return RecordsJson.ENVELOPE_BYTES;
    }

    @Override
    public Set<String> filterableKeys() {
        return FILTERABLE_KEYS;
    }

    /** The record's {@code dynamodb} is always an object: a plain pattern on it would filter out every record. */
    @Override
    public Set<String> jsonOnlyFilterKeys() {
        return Set.of("dynamodb");
    }

    /**
     * The record as Lambda's event holds it: {@code dynamodb} in DynamoDB JSON (so {@code {"N": "5"}} is a string
     * and numeric operators never match, as in Lambda), beside {@code eventName} and the other metadata.
     */
    @Override
    public FilterDocument filterDocument(StreamRecord<DynamoDbRecord> record) {
        return FilterDocument.ofJson(DynamoDbEventJson.writeRecord(record.payload()));
    }

    /**
     * Every shard DescribeStream lists, page by page, open and closed, with its parent. A throttled page is asked
     * for again after a backoff, up to {@link #MAX_THROTTLED_PAGES} times in a row, so that a stream of many pages
     * is not listed again from its first page for one refusal.
     */
    @Override
    public List<Shard> listShards() throws InterruptedException {
        List<Shard> shards = new ArrayList<>();
        Set<String> closed = new HashSet<>();
        String exclusiveStart = null;
        do {
            DescribeStreamResponse response = describeStream(exclusiveStart);
            if (exclusiveStart == null) {
                StreamStatus status = response.streamDescription().streamStatus();
                notEnabled = status == StreamStatus.DISABLED || status == StreamStatus.DISABLING
                        ? status.toString() : null;
                if (notEnabled != null && latest != null) {
                    latest.refresh();
                }
            }
            for (software.amazon.awssdk.services.dynamodb.model.Shard shard : response.streamDescription().shards()) {
                shards.add(new Shard(shard.shardId(), shard.parentShardId() == null ? List.of()
                        : List.of(shard.parentShardId())));
                if (shard.sequenceNumberRange() != null
                        && shard.sequenceNumberRange().endingSequenceNumber() != null) {
                    closed.add(shard.shardId());
                }
            }
            exclusiveStart = response.streamDescription().lastEvaluatedShardId();
        } while (exclusiveStart != null);
        closedShards.addAll(closed);
        closedShards.retainAll(closed);
        return shards;
    }

    /**
     * A disabled stream (the table's StreamSpecification turned off, or the table deleted) ends every shard without a
     * child: once the mapping has read what they hold, no record comes any more. Enabling the stream again, or creating
     * the table again, makes a new stream with a new ARN, which this source does not read (a source built with
     * {@code .table(name)} looked the stream up once, at build time). A source built with {@code .table(name,
     * dynamoDbClient)} names the table's new stream once DescribeTable shows one; one built with {@code .streamArn}
     * has no DynamoDbClient to ask.
     */
    @Override
    public Optional<String> problem() {
        String status = notEnabled;
        return status == null ? Optional.empty() : Optional.of("stream " + arn.text() + " is " + status
                + ": its shards have ended and no record will come any more. "
                + (latest != null ? latest.whatToDo() : rebuildOnNewStream(arn.tableName())));
    }

    /**
     * The end of a disabled stream's problem when the table's new stream is not known: the source was built by ARN
     * (no DynamoDbClient), or DescribeTable shows no other enabled stream (yet).
     */
    static String rebuildOnNewStream(String tableName) {
        return "A stream enabled again on table " + tableName + ", or the table's stream after it is created again, "
                + "is a new stream with a new ARN; to read it, build the mapping again on it "
                + "(DynamoDbStreamSource.builder(...).table(name, dynamoDbClient) looks up the table's latest stream)";
    }

    /** One page of DescribeStream; a throttled call waits as GetRecords would, then goes again. */
    private DescribeStreamResponse describeStream(@Nullable String exclusiveStart) throws InterruptedException {
        for (int throttled = 0; ; throttled++) {
            try {
                return client.describeStream(r -> r.streamArn(arn.text()).limit(DESCRIBE_STREAM_LIMIT)
                        .exclusiveStartShardId(exclusiveStart));
            } catch (SdkException e) {
                if (throttled + 1 >= MAX_THROTTLED_PAGES || !DynamoDbShardCalls.throttled(e)) {
                    throw e;
                }
                Thread.sleep(throttleWait(throttled + 1, settings, ThreadLocalRandom.current().nextDouble(0.5, 1.5))
                        .toMillis());
            }
        }
    }

    /**
     * ThrottleBackoffInitial, doubling per throttled call in a row, times {@code jitter} (0.5 to 1.5: ±50%), and
     * never more than ThrottleBackoffMax, as the shard reader waits for GetRecords and GetShardIterator.
     */
    static Duration throttleWait(int throttledInARow, DynamoDbSourceSettings settings, double jitter) {
        long initial = settings.throttleBackoffInitial().toMillis();
        long max = settings.throttleBackoffMax().toMillis();
        long wait = Math.min(max, initial << Math.min(throttledInARow - 1, 30));
        return Duration.ofMillis(Math.max(1, Math.min(max, Math.round(wait * jitter))));
    }

    /** A reader on the shard, with its first shard iterator already taken at {@code start}. */
    @Override
    public ShardReader<DynamoDbRecord> openReader(String shardId, ReadStart start) throws Exception {
        IteratorReaderSettings reading = IteratorReaderSettings.of(settings.getRecordsPerSecondPerShard(),
                MAX_GET_RECORDS, settings.throttleBackoffInitial(), settings.throttleBackoffMax());
        DynamoDbShardCalls calls = new DynamoDbShardCalls(client, arn.text(), shardId,
                new RecordConverter(shardId, arn.text()), closedShards);
        return IteratorShardReader.open(arn.text(), shardId, start, calls, reading);
    }

    @Override
    public String toString() {
        return "DynamoDbStreamSource[" + arn.text() + "]";
    }

    public static final class Builder {
        private final DynamoDbStreamsClient client;
        private @Nullable String streamArn;
        private @Nullable String tableName;
        private @Nullable DynamoDbClient dynamoDb;
        private DynamoDbSourceSettings settings = DynamoDbSourceSettings.defaults();

        private Builder(DynamoDbStreamsClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /**
         * The stream by ARN ({@code arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>}); no call at
         * build time. The ARN's region must be the client's, unless the client has an endpoint override.
         */
        public Builder streamArn(String streamArn) {
            this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
            return this;
        }

        /**
         * The table's current stream: {@link #build()} asks DescribeTable for its LatestStreamArn. While that stream is
         * disabled, the source asks again with every listing, so that its problem names the table's new stream.
         */
        public Builder table(String tableName, DynamoDbClient dynamoDb) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
            return this;
        }

        public Builder settings(DynamoDbSourceSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Builds the source; with a table name, this calls DescribeTable once.
         *
         * @throws IllegalArgumentException if the stream's ARN is of another region than a client without an
         *                                  endpoint override: its calls would go to the wrong region
         */
        public DynamoDbStreamSource build() {
            if ((streamArn == null) == (tableName == null)) {
                throw new IllegalArgumentException("exactly one of streamArn and table must be set, but got "
                        + "streamArn=" + streamArn + " and table=" + tableName);
            }
            String arn = streamArn;
            String table = tableName;
            DynamoDbClient tables = dynamoDb;
            if (arn == null && table != null && tables != null) {
                arn = latestStreamArn(table, tables);
            }
            StreamArn parsed = StreamArn.parse(Objects.requireNonNull(arn, "streamArn"));
            requireRegion(parsed);
            return new DynamoDbStreamSource(client, parsed, settings, table != null && tables != null
                    ? new LatestStream(tables, table, parsed.text()) : null);
        }

        /**
         * A client sends every call to its own region's endpoint, where DynamoDB Streams does not find another
         * region's stream: every listing would fail. A client with an endpoint override (an emulator, a VPC endpoint)
         * is trusted to reach the ARN's stream, and so is one that does not report its configuration (a test double).
         */
        private void requireRegion(StreamArn arn) {
            DynamoDbStreamsServiceClientConfiguration configuration;
            try {
                configuration = client.serviceClientConfiguration();
            } catch (UnsupportedOperationException e) {
                return;
            }
            Region region = configuration.region();
            if (configuration.endpointOverride().isEmpty() && region != null && !region.id().equals(arn.region())) {
                throw new IllegalArgumentException("stream " + arn.text() + " is in region " + arn.region()
                        + ", but the DynamoDbStreamsClient given for it is for region " + region.id()
                        + "; expected a client of the stream's region");
            }
        }

        private static String latestStreamArn(String tableName, DynamoDbClient dynamoDb) {
            TableDescription table = dynamoDb.describeTable(r -> r.tableName(tableName)).table();
            StreamSpecification stream = table.streamSpecification();
            if (table.latestStreamArn() == null || (stream != null && Boolean.FALSE.equals(stream.streamEnabled()))) {
                throw new IllegalArgumentException("table " + tableName + " has no stream enabled (DescribeTable "
                        + "gave " + (table.latestStreamArn() == null ? "no LatestStreamArn"
                        : "StreamEnabled=false") + "); enable one with a StreamSpecification "
                        + "(StreamEnabled=true, a StreamViewType) or pass the stream ARN");
            }
            return table.latestStreamArn();
        }
    }

    /** The parts of a stream ARN: the text, the region and the table. */
    record StreamArn(String text, String region, String tableName) {

        static StreamArn parse(String text) {
            String[] parts = text.split(":", 6);
            String resource = parts.length == 6 ? parts[5] : "";
            // Searched after "table/" and the name's first character: a table may be named "stream".
            int stream = resource.indexOf("/stream/", "table/".length() + 1);
            if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("dynamodb")
                    || !resource.startsWith("table/") || stream < 0
                    || stream + "/stream/".length() == resource.length()) {
                throw new IllegalArgumentException("expected a DynamoDB stream ARN like arn:aws:dynamodb:us-east-1:"
                        + "123456789012:table/orders/stream/2024-06-10T19:26:16.525 but got '" + text + "'");
            }
            return new StreamArn(text, parts[3], resource.substring("table/".length(), stream));
        }
    }
}
