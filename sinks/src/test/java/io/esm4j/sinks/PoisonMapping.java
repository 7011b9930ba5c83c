package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureDestination;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * A stream mapping on one in-memory shard of three records, {@code before}, {@code poison} and {@code after}, with
 * one partition key so they share a lane: the handler fails on the poison record, which MaximumRetryAttempts 1 gives
 * up after two invocations; {@code after} can only be processed, and the checkpoint can only pass the poison record,
 * once the destination has taken its failure record.
 */
final class PoisonMapping implements AutoCloseable {

    static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final InMemoryStream stream;
    final StreamRecord<byte[]> before;
    final StreamRecord<byte[]> poison;
    final StreamRecord<byte[]> after;
    private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final EventSourceMapping<byte[]> mapping;
    private StopResult stopped;

    private PoisonMapping(String name, FailureDestination destination) {
        this.name = name;
        this.stream = InMemoryStream.create(name + "-stream", 1);
        this.before = stream.put("customer-1", "{\"order\":1}");
        this.poison = stream.put("customer-1", "{\"order\":2,\"poison\":true}");
        this.after = stream.put("customer-1", "{\"order\":3}");
        this.mapping = EventSourceMapping.<byte[]>builder(name, stream, batch -> {
                    boolean poisoned = batch.records().stream()
                            .anyMatch(r -> new String(r.payload(), StandardCharsets.UTF_8).contains("poison"));
                    if (poisoned) {
                        throw new IllegalArgumentException("this handler cannot process a poison order");
                    }
                    return BatchResult.success();
                })
                .settings(StreamSettings.builder()
                        .startingPosition(StartingPosition.TRIM_HORIZON)
                        .batchSize(1)
                        .maximumRetryAttempts(1)
                        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
                        .idlePollInterval(Duration.ofMillis(20))
                        .checkpointInterval(Duration.ZERO)
                        .build())
                .leaseStore(leases)
                .meterRegistry(meters)
                .onFailure(destination)
                .build();
    }

    /** Starts the mapping. */
    static PoisonMapping start(String name, FailureDestination destination) {
        PoisonMapping run = new PoisonMapping(name, destination);
        run.mapping.start();
        return run;
    }

    String shardId() {
        return before.shardId();
    }

    Optional<Checkpoint> checkpoint() {
        return leases.checkpoint(name, shardId());
    }

    double deliveryFailures() {
        Counter counter = meters.find(MetricNames.DESTINATION_DELIVERY_FAILURES).tag(MetricNames.MAPPING_TAG, name)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Waits until the destination has refused the poison record's failure record {@code refusals} times, then checks
     * that the checkpoint is still on {@code before}: past the record before the poison one, not past the poison.
     */
    void assertCheckpointWaitsThrough(int refusals) {
        await().atMost(PATIENCE).until(() -> deliveryFailures() >= refusals);
        assertThat(checkpoint()).as("checkpoint while the destination refuses the poison record's failure record")
                .contains(new Checkpoint.AtSequenceNumber(before.sequenceNumber()));
    }

    /** Waits until the checkpoint has passed the poison record, which only a delivered failure record allows. */
    void awaitCheckpointPastThePoison() {
        await().atMost(PATIENCE)
                .until(() -> checkpoint().equals(Optional.of(new Checkpoint.AtSequenceNumber(after.sequenceNumber()))));
    }

    /**
     * Checks the values of a delivered failure record: the poison record alone, given up after two invocations of
     * an unhandled error, in the in-memory stream's Kinesis shape.
     */
    void assertIsThePoisonRecord(String json) {
        JsonNode record;
        try {
            record = JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("the delivered record is not JSON: " + e.getMessage(), e);
        }
        JsonNode request = record.get("requestContext");
        assertThat(request.get("requestId").asText()).matches("[0-9a-f-]{36}");
        assertThat(request.get("functionArn").asText()).isEqualTo("arn:aws:lambda:local:000000000000:function:" + name);
        assertThat(request.get("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(request.get("approximateInvokeCount").asInt()).isEqualTo(2);
        assertThat(record.get("responseContext").toString())
                .isEqualTo("{\"statusCode\":200,\"executedVersion\":\"$LATEST\",\"functionError\":\"Unhandled\"}");
        assertThat(record.get("version").asText()).isEqualTo("1.0");
        String arrival = BatchInfoStyle.KINESIS.formatArrival(poison.approximateArrivalTimestamp());
        assertThat(record.get("KinesisBatchInfo").toString()).isEqualTo("{\"shardId\":\"" + shardId() + "\","
                + "\"startSequenceNumber\":\"" + poison.sequenceNumber() + "\","
                + "\"endSequenceNumber\":\"" + poison.sequenceNumber() + "\","
                + "\"approximateArrivalOfFirstRecord\":\"" + arrival + "\","
                + "\"approximateArrivalOfLastRecord\":\"" + arrival + "\","
                + "\"batchSize\":1,\"streamArn\":\"" + stream.streamArn() + "\"}");
    }

    /** The mapping's state transition reason, where a destination that refuses shows. */
    String stateTransitionReason() {
        return mapping.stateTransitionReason();
    }

    /** The mapping's last processing result, where a destination's refusal a user must act on shows. */
    String lastProcessingResult() {
        return mapping.lastProcessingResult();
    }

    /** Stops the mapping with this timeout (once; close() then does nothing). */
    StopResult stop(Duration timeout) throws InterruptedException {
        stopped = mapping.stop(timeout);
        return stopped;
    }

    @Override
    public void close() {
        if (stopped == null) {
            try {
                stopped = mapping.stop(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping mapping " + name, e);
            }
        }
    }
}
