package io.esm4j.testing;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.internal.IdleTicks;
import io.esm4j.stream.AwaitableShardReader;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Kinesis-like stream in memory, for tests, examples and benchmarks: shards own ranges of the 128-bit MD5 hash of
 * partition keys, records get increasing sequence numbers and arrival times from a clock, and shards can be split
 * and merged (the parent closes, children inherit its range). Thread-safe.
 *
 * <p>Its readers are {@link AwaitableShardReader}s: the engine waits at the tail of an idle shard until a record is
 * put, the shard is split or merged, or the engine's own deadline passes, instead of polling it. {@link #longPoll}
 * is the wait of the plain {@link ShardReader#fetch(int)} only, for callers of the SPI that poll.
 */
public final class InMemoryStream implements StreamSource<byte[]> {

    /** How long a read at the tail of an open shard waits for a record, unless {@link #longPoll} says otherwise. */
    public static final Duration DEFAULT_LONG_POLL = Duration.ofSeconds(1);
    private static final Pattern STREAM_NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");

    private final String name;
    private final Clock clock;
    private final BatchInfoStyle style;
    private final Map<String, MemoryShard> shards = new LinkedHashMap<>();
    private long nextSequence = 1;
    private int nextShardNumber;
    /** Guards the shard list and sequence numbers; a lock, not synchronized, as readers may be virtual threads. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Duration longPoll = DEFAULT_LONG_POLL;
    private volatile @Nullable Duration retention;
    /** Volatile: a fetch reads it without the stream's lock, which it takes only while fetches are to fail. */
    private volatile int failingFetches;
    private @Nullable Supplier<Exception> fetchFailure;

    private InMemoryStream(String name, int shardCount, Clock clock, BatchInfoStyle style) {
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be at least 1 but was " + shardCount);
        }
        if (name == null || !STREAM_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be a Kinesis stream name (1 to 128 letters, digits, '_', '-' "
                    + "or '.'; it ends the stream's ARN) but was " + (name == null ? "null" : "'" + name + "'"));
        }
        this.name = name;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.style = Objects.requireNonNull(style, "style");
        BigInteger width = PartitionKeys.MAX_HASH.add(BigInteger.ONE).divide(BigInteger.valueOf(shardCount));
        for (int i = 0; i < shardCount; i++) {
            BigInteger start = width.multiply(BigInteger.valueOf(i));
            BigInteger end = i == shardCount - 1 ? PartitionKeys.MAX_HASH : start.add(width).subtract(BigInteger.ONE);
            addShard(start, end, List.of());
        }
    }

    public static InMemoryStream create(String name, int shardCount) {
        return new InMemoryStream(name, shardCount, Clock.systemUTC(), BatchInfoStyle.KINESIS);
    }

    public static InMemoryStream create(String name, int shardCount, Clock clock) {
        return new InMemoryStream(name, shardCount, clock, BatchInfoStyle.KINESIS);
    }

    public static InMemoryStream create(String name, int shardCount, Clock clock, BatchInfoStyle style) {
        return new InMemoryStream(name, shardCount, clock, style);
    }

    @Override
    public String streamArn() {
        return "arn:aws:kinesis:local:000000000000:stream/" + name;
    }

    /** Kinesis's {@code KinesisBatchInfo}, or DynamoDB's {@code DDBStreamBatchInfo} if created with that style. */
    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<byte[]>> records) {
        return StreamBatchInfo.of(style, shardId, records, streamArn());
    }

    @Override
    public Set<String> filterableKeys() {
        return Set.of("data");
    }

    /** Like Kinesis: a plain pattern on {@code data} is refused. */
    @Override
    public Set<String> jsonOnlyFilterKeys() {
        return Set.of("data");
    }

    /** Like Kinesis: the data is base64-decoded bytes matched as JSON under {@code data}. */
    @Override
    public FilterDocument filterDocument(StreamRecord<byte[]> record) {
        return FilterDocuments.kinesisData(record.payload());
    }

    /**
     * How long a plain {@link ShardReader#fetch(int)} at the tail of an open shard waits for a record before it
     * returns empty (0: at once), up to a tenth longer so that the waits of idle shards end together. A record put
     * meanwhile ends the wait at once. The engine does not use it: it calls
     * {@link AwaitableShardReader#fetch(int, Duration)} with a wait of its own (until its next duty for the shard),
     * which this setting does not change.
     */
    public InMemoryStream longPoll(Duration wait) {
        if (wait == null || wait.isNegative()) {
            throw new IllegalArgumentException("the long poll must be a duration of 0 or more but was " + wait);
        }
        this.longPoll = wait;
        return this;
    }

    /**
     * Reports a retention, as Kinesis and DynamoDB Streams do, so that with MaximumRecordAgeInSeconds -1 the engine
     * gives up records older than it. The stream itself keeps every record; without this call it reports none.
     */
    public InMemoryStream retention(Duration retention) {
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("the retention must be a positive duration but was " + retention);
        }
        this.retention = retention;
        return this;
    }

    @Override
    public Optional<Duration> retention() {
        return Optional.ofNullable(retention);
    }

    /** The id of the open shard that a record with this partition key goes to. */
    public String shardFor(String partitionKey) {
        BigInteger hash = PartitionKeys.hash(partitionKey);
        lock.lock();
        try {
            return openShardOwning(hash, partitionKey).id;
        } finally {
            lock.unlock();
        }
    }

    /** Appends a record to the open shard that owns the key's hash; returns it. */
    public StreamRecord<byte[]> put(String partitionKey, byte[] data) {
        return put(partitionKey, data, clock.instant());
    }

    public StreamRecord<byte[]> put(String partitionKey, String data) {
        if (data == null) {
            throw new IllegalArgumentException("data must be a string, possibly empty, but was null");
        }
        return put(partitionKey, data.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends a record with an explicit arrival time (to make records old without waiting).
     *
     * @throws IllegalArgumentException if the partition key is not 1 to 256 Unicode characters, as Kinesis requires,
     *                                  or an argument is null
     */
    public StreamRecord<byte[]> put(String partitionKey, byte[] data, Instant arrival) {
        lock.lock();
        try {
            BigInteger hash = PartitionKeys.hash(partitionKey);
            if (data == null) {
                throw new IllegalArgumentException("data must be bytes, possibly none, but was null");
            }
            if (arrival == null) {
                throw new IllegalArgumentException("arrival must be an instant but was null");
            }
            MemoryShard shard = openShardOwning(hash, partitionKey);
            StreamRecord<byte[]> record = new StreamRecord<>(shard.id, "%020d".formatted(nextSequence++), partitionKey,
                    arrival, data.length, data);
            shard.append(record);
            return record;
        } finally {
            lock.unlock();
        }
    }

    /** Splits an open shard in two halves of its hash range; returns the children's ids. */
    public List<String> split(String shardId) {
        lock.lock();
        try {
            MemoryShard parent = open(shardId);
            parent.close();
            BigInteger middle = parent.start.add(parent.end).shiftRight(1);
            return List.of(addShard(parent.start, middle, List.of(shardId)).id,
                    addShard(middle.add(BigInteger.ONE), parent.end, List.of(shardId)).id);
        } finally {
            lock.unlock();
        }
    }

    /** Merges two open shards with adjacent hash ranges; returns the child's id. */
    public String merge(String shardId, String adjacentShardId) {
        lock.lock();
        try {
            MemoryShard a = open(shardId);
            MemoryShard b = open(adjacentShardId);
            MemoryShard low = a.start.compareTo(b.start) < 0 ? a : b;
            MemoryShard high = low == a ? b : a;
            if (!low.end.add(BigInteger.ONE).equals(high.start)) {
                throw new IllegalArgumentException("shards " + shardId + " and " + adjacentShardId + " are not adjacent");
            }
            a.close();
            b.close();
            return addShard(low.start, high.end, List.of(shardId, adjacentShardId)).id;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops a closed shard with its records, as DynamoDB Streams does 24 hours after a shard closed and Kinesis once a
     * closed shard's records are past retention: it is no longer listed, and opening a reader on it fails.
     */
    public void trim(String shardId) {
        lock.lock();
        try {
            if (!shard(shardId).closed) {
                throw new IllegalArgumentException("shard " + shardId + " is open; only a closed shard can be trimmed");
            }
            shards.remove(shardId);
        } finally {
            lock.unlock();
        }
    }

    /** The next {@code times} fetches, on any shard, throw what {@code failure} supplies. */
    public void failNextFetches(int times, Supplier<Exception> failure) {
        lock.lock();
        try {
            this.failingFetches = times;
            this.fetchFailure = failure;
        } finally {
            lock.unlock();
        }
    }

    /** Every record ever put into a shard, in order. */
    public List<StreamRecord<byte[]>> records(String shardId) {
        lock.lock();
        try {
            return shard(shardId).records();
        } finally {
            lock.unlock();
        }
    }

    /** The ids of the shards that accept writes. */
    public List<String> openShardIds() {
        lock.lock();
        try {
            return shards.values().stream().filter(s -> !s.closed).map(s -> s.id).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Shard> listShards() {
        lock.lock();
        try {
            return shards.values().stream().map(s -> new Shard(s.id, s.parents)).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        lock.lock();
        try {
            MemoryShard shard = shard(shardId);
            int position = switch (start) {
                case ReadStart.TrimHorizon t -> 0;
                case ReadStart.Latest l -> shard.size();
                case ReadStart.AtTimestamp at -> shard.firstIndex(r -> !r.approximateArrivalTimestamp()
                        .isBefore(at.timestamp()));
                case ReadStart.AfterSequenceNumber after -> shard.firstIndex(
                        r -> r.sequenceNumber().compareTo(after.sequenceNumber()) > 0);
            };
            return new Reader(shard, position);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Like a long poll: at the tail of an open shard, waits up to {@code waitNanos} for a record before returning an
     * empty result; a put to the shard, its split or merge, or an interrupt end the wait at once.
     */
    private FetchResult<byte[]> fetch(MemoryShard shard, int from, int max, long waitNanos) throws Exception {
        if (failingFetches > 0) {
            failIfAsked();
        }
        return shard.read(from, max, waitNanos, clock);
    }

    private void failIfAsked() throws Exception {
        lock.lockInterruptibly();
        try {
            Supplier<Exception> failure = fetchFailure;
            if (failingFetches > 0 && failure != null) {
                failingFetches--;
                throw failure.get();
            }
        } finally {
            lock.unlock();
        }
    }

    private MemoryShard addShard(BigInteger start, BigInteger end, List<String> parents) {
        MemoryShard shard = new MemoryShard("shardId-%012d".formatted(nextShardNumber++), start, end, parents);
        shards.put(shard.id, shard);
        return shard;
    }

    private MemoryShard shard(String shardId) {
        MemoryShard shard = shards.get(shardId);
        if (shard == null) {
            throw new IllegalArgumentException("stream " + name + " has no shard " + shardId);
        }
        return shard;
    }

    private MemoryShard open(String shardId) {
        MemoryShard shard = shard(shardId);
        if (shard.closed) {
            throw new IllegalArgumentException("shard " + shardId + " is closed");
        }
        return shard;
    }

    private MemoryShard openShardOwning(BigInteger hash, String partitionKey) {
        return shards.values().stream().filter(s -> !s.closed && s.owns(hash)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no open shard owns key " + partitionKey));
    }

    private final class Reader implements AwaitableShardReader<byte[]> {
        private final MemoryShard shard;
        private int position;

        Reader(MemoryShard shard, int position) {
            this.shard = shard;
            this.position = position;
        }

        /**
         * Waits up to the {@link #longPoll} at the tail, stretched by less than a tenth to end on a tick shared with
         * the other shards' waits ({@link IdleTicks}), so that idle readers wake in groups.
         */
        @Override
        public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
            long longPollNanos = longPoll.toNanos();
            return read(maxRecords,
                    IdleTicks.waitToTick(System.nanoTime(), longPollNanos, IdleTicks.tickFor(longPollNanos)));
        }

        /** Waits up to {@code maxWait} at the tail, as told (the engine aligns its waits itself). */
        @Override
        public FetchResult<byte[]> fetch(int maxRecords, Duration maxWait) throws Exception {
            if (maxWait == null || maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait must be a duration of 0 or more but was " + maxWait);
            }
            return read(maxRecords, maxWait.toNanos());
        }

        private FetchResult<byte[]> read(int maxRecords, long waitNanos) throws Exception {
            FetchResult<byte[]> result = InMemoryStream.this.fetch(shard, position, maxRecords, waitNanos);
            position += result.records().size();
            return result;
        }
    }
}
