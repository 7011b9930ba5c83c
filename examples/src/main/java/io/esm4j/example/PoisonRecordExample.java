package io.esm4j.example;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The README's example: a mapping over an in-memory stream whose handler fails on one poison record. It prints
 * each invocation, shows bisection isolating the poison, the failure record sent to the on-failure destination,
 * and the final checkpoint.
 */
public final class PoisonRecordExample {

    private static final int RECORDS = 40;
    private static final String POISON = "order-23";

    private PoisonRecordExample() {}

    public static void main(String[] args) throws InterruptedException {
        InMemoryStream stream = InMemoryStream.create("orders", 1);
        for (int i = 0; i < RECORDS; i++) {
            stream.put("customer-" + (i % 5), "order-" + i);
        }
        CountDownLatch finished = new CountDownLatch(RECORDS);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();

        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("orders-example", stream, batch -> {
                    String first = data(batch.records().getFirst());
                    String last = data(batch.records().getLast());
                    boolean poisoned = batch.records().stream().anyMatch(r -> data(r).equals(POISON));
                    System.out.printf("invoke %3d records  %-9s .. %-9s  invocation #%d of the first record -> %s%n",
                            batch.size(), first, last, batch.approximateInvokeCount(),
                            poisoned ? "FAILS (contains " + POISON + ")" : "ok");
                    if (poisoned) {
                        throw new IllegalArgumentException("cannot process " + POISON);
                    }
                    batch.records().forEach(r -> finished.countDown());
                    return BatchResult.success();
                })
                .settings(StreamSettings.builder()
                        .startingPosition(StartingPosition.TRIM_HORIZON)
                        .batchSize(40)
                        .bisectBatchOnFunctionError(true)
                        .maximumRetryAttempts(2)
                        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                        .build())
                .leaseStore(leases)
                .onFailure(failure -> {
                    System.out.println();
                    System.out.println("on-failure destination received:");
                    System.out.println("  " + failure.toJson());
                    System.out.println();
                    failure.records().forEach(r -> finished.countDown());
                })
                .build();

        System.out.printf("%d records on one shard, record %s is poison; BatchSize 40, BisectBatchOnFunctionError, "
                + "MaximumRetryAttempts 2%n%n", RECORDS, POISON);
        mapping.start();
        finished.await();
        StopResult result = mapping.stop(Duration.ofSeconds(10));
        String lastSequenceNumber = stream.records(stream.openShardIds().getFirst()).getLast().sequenceNumber();
        System.out.println("final checkpoints: " + result.checkpoints());
        System.out.println("last record of the shard: " + lastSequenceNumber
                + ", records left unprocessed: " + result.recordsNotProcessed());
    }

    private static String data(StreamRecord<byte[]> record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}
