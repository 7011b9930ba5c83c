package io.esm4j.dynamodb;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Lease;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Workers of one mapping name sharing a stream through one DynamoDB lease table, as separate processes would: each
 * with its own SDK client (and network, for faults), lease store and worker id. Closing stops them all.
 */
final class Fleet implements AutoCloseable {

    static final String NAME = "shared";

    /** One worker and what a test reaches into. */
    record Worker(String id, EventSourceMapping<byte[]> mapping, FaultyHttpClient network, CountingLeaseStore leases,
                  SimpleMeterRegistry registry) {

        double leasesLost() {
            return count(MetricNames.LEASES_LOST);
        }

        double count(String counter) {
            return registry.find(counter).counters().stream().mapToDouble(Counter::count).sum();
        }
    }

    private final DynamoDbLeaseStoreSettings settings = DynamoDbLeaseStoreSettings.builder()
            .tableName(Clients.table("fleet")).build();
    private final List<Clients.Worker> clients = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    private final DynamoDbLeaseStore observer;

    Fleet() {
        Clients.Worker client = Clients.worker();
        clients.add(client);
        observer = new DynamoDbLeaseStore(client.client(), settings);
    }

    /**
     * From TRIM_HORIZON, with fast retries and shard syncs, checkpoints every 100 ms (each one a write to the single
     * dynalite process the whole run shares), and this failover time.
     */
    static StreamSettings.Builder settings(Duration failoverTime) {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .idlePollInterval(Duration.ofMillis(5))
                .shardSyncInterval(Duration.ofMillis(200))
                .checkpointInterval(Duration.ofMillis(100))
                .failoverTime(failoverTime);
    }

    Worker start(String id, InMemoryStream stream, Recorder handler, StreamSettings settings) {
        Clients.Worker client = Clients.worker();
        clients.add(client);
        CountingLeaseStore leases = new CountingLeaseStore(new DynamoDbLeaseStore(client.client(), this.settings));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler).settings(settings)
                .leaseStore(leases).workerId(id).meterRegistry(registry).build();
        mapping.start();
        Worker worker = new Worker(id, mapping, client.network(), leases, registry);
        workers.add(worker);
        return worker;
    }

    /** The workers started, in order. */
    List<Worker> workers() {
        return List.copyOf(workers);
    }

    /** The leases as stored, read by a client no fault touches. */
    List<Lease> leases() {
        return observer.list(NAME);
    }

    /** Unfinished leases held, per owner. */
    Map<String, Long> owners() {
        return leases().stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }

    /**
     * Every worker processes exactly the shards the table says it owns: a worker whose lease was taken has noticed
     * (it notices at its next renewal or checkpoint, and only then counts the lost lease).
     */
    boolean settled() {
        Map<String, Long> owners = owners();
        return workers.stream().allMatch(w -> w.mapping().shards().stream()
                .filter(s -> w.id().equals(s.owner()) && !"SHARD_END".equals(s.position())).count()
                == owners.getOrDefault(w.id(), 0L));
    }

    /** Exactly these workers hold every unfinished lease, within one of each other. */
    boolean balanced(List<String> ids) {
        long open = leases().stream().filter(l -> !l.ended()).count();
        Map<String, Long> owners = owners();
        return owners.keySet().equals(new HashSet<>(ids))
                && owners.values().stream().mapToLong(Long::longValue).sum() == open
                && owners.values().stream().allMatch(n -> n >= open / ids.size()
                        && n <= (open + ids.size() - 1) / ids.size());
    }

    @Override
    public void close() {
        for (Worker worker : workers) {
            worker.network().resume();
            try {
                worker.mapping().stop(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // A worker that failed to stop must not keep the others running.
            }
        }
        clients.forEach(Clients.Worker::close);
    }
}
