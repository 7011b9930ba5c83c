package io.esm4j.kinesis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardRequest;

/**
 * An SDK interceptor for tests: it records the requests a client makes, fails chosen GetRecords calls with an
 * exception of the test's choice (neither emulator throttles or expires iterators on demand), and can shrink
 * ListShards pages to force pagination.
 */
final class FaultInjector implements ExecutionInterceptor {

    private final List<SdkRequest> requests = new ArrayList<>();
    private final List<Long> getRecordsNanos = new ArrayList<>();
    private final AtomicInteger getRecordsCalls = new AtomicInteger();
    private final AtomicInteger injected = new AtomicInteger();
    private final AtomicInteger shardIteratorsIssued = new AtomicInteger();
    private volatile IntFunction<RuntimeException> getRecordsFault = call -> null;
    private volatile Integer listShardsPageSize;
    private volatile boolean readLimit;
    private volatile long readsAllowedAtNanos;
    private final AtomicInteger throttledReads = new AtomicInteger();

    /** {@code fault} gets the 1-based number of each GetRecords call and returns what to throw, or null. */
    void failGetRecords(IntFunction<RuntimeException> fault) {
        this.getRecordsFault = fault;
    }

    /**
     * GetRecords is refused with ProvisionedThroughputExceededException until the shard has served the last answer's
     * bytes at 2 MiB a second, as Kinesis refuses reads after a large answer.
     */
    void throttleReadsAtTwoMebibytesPerSecond() {
        readLimit = true;
    }

    /** GetRecords calls refused by {@link #throttleReadsAtTwoMebibytesPerSecond()}. */
    int throttledReads() {
        return throttledReads.get();
    }

    void listShardsPageSize(int pageSize) {
        this.listShardsPageSize = pageSize;
    }

    int injected() {
        return injected.get();
    }

    /** When each GetRecords call was made, from {@link System#nanoTime()}. */
    synchronized List<Long> getRecordsNanos() {
        return List.copyOf(getRecordsNanos);
    }

    int getRecordsCalls() {
        return getRecordsCalls.get();
    }

    synchronized <R extends SdkRequest> List<R> requests(Class<R> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        synchronized (this) {
            requests.add(request);
        }
        if (request instanceof GetRecordsRequest) {
            synchronized (this) {
                getRecordsNanos.add(System.nanoTime());
            }
            if (readLimit && System.nanoTime() < readsAllowedAtNanos) {
                throttledReads.incrementAndGet();
                throw ProvisionedThroughputExceededException.builder().message("injected: read limit").build();
            }
            RuntimeException fault = getRecordsFault.apply(getRecordsCalls.incrementAndGet());
            if (fault != null) {
                injected.incrementAndGet();
                throw fault;
            }
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        // A subscription's response (its HTTP status) comes before its events, and is never unmarshalled as such.
        if (context.request() instanceof SubscribeToShardRequest && context.httpResponse().isSuccessful()) {
            shardIteratorsIssued.incrementAndGet();
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (readLimit && context.response() instanceof GetRecordsResponse page) {
            long bytes = page.records().stream()
                    .mapToLong(r -> r.data().asByteArrayUnsafe().length + r.partitionKey().length()).sum();
            readsAllowedAtNanos = System.nanoTime() + bytes * 1_000_000_000L / (2L << 20);
        }
        if (context.response() instanceof GetShardIteratorResponse) {
            shardIteratorsIssued.incrementAndGet();
        }
    }

    /**
     * How many GetShardIterator or SubscribeToShard calls have been answered: a LATEST iterator or subscription
     * counts from then.
     */
    int shardIteratorsIssued() {
        return shardIteratorsIssued.get();
    }

    /** Where a shard's reading was opened: its GetShardIterator or SubscribeToShard request. */
    record ReadOpened(String shardId, ShardIteratorType type, @Nullable String sequenceNumber) {}

    /** Every GetShardIterator and SubscribeToShard request, in order. */
    synchronized List<ReadOpened> readsOpened() {
        List<ReadOpened> opened = new ArrayList<>();
        for (SdkRequest request : requests) {
            if (request instanceof GetShardIteratorRequest iterator) {
                opened.add(new ReadOpened(iterator.shardId(), iterator.shardIteratorType(),
                        iterator.startingSequenceNumber()));
            } else if (request instanceof SubscribeToShardRequest subscribe) {
                opened.add(new ReadOpened(subscribe.shardId(), subscribe.startingPosition().type(),
                        subscribe.startingPosition().sequenceNumber()));
            }
        }
        return opened;
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        Integer pageSize = listShardsPageSize;
        if (pageSize != null && context.request() instanceof ListShardsRequest listShards) {
            return listShards.toBuilder().maxResults(pageSize).build();
        }
        return context.request();
    }

    /** The GetShardIterator requests, for checking where readers (re)started. */
    List<GetShardIteratorRequest> shardIteratorRequests() {
        return requests(GetShardIteratorRequest.class);
    }
}
