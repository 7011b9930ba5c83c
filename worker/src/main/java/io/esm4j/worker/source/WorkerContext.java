package io.esm4j.worker.source;

import io.esm4j.lease.LeaseStore;
import io.esm4j.sinks.FailureDestinations;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What source factories share: the AWS clients, the meter registry, the lease store for stream shards, this worker's
 * id in it, whether Amazon MSK mappings use their clusters' public broker endpoints, and the stream settings the
 * worker sets for every stream mapping.
 */
public record WorkerContext(AwsClients clients, MeterRegistry meters, LeaseStore leaseStore, String workerId,
                            boolean mskPublicEndpoints, StreamTuning streamTuning) {

    /** A context without worker-wide stream settings: every mapping has esm-core's defaults. */
    public WorkerContext(AwsClients clients, MeterRegistry meters, LeaseStore leaseStore, String workerId,
                         boolean mskPublicEndpoints) {
        this(clients, meters, leaseStore, workerId, mskPublicEndpoints, StreamTuning.none());
    }

    /** On-failure destinations through this worker's SQS, SNS and S3 clients (made when first used). */
    public FailureDestinations destinations() {
        return destinationsBuilder().build();
    }

    /** The same, to add a source's own destinations (Kafka's {@code kafka://<topic>}) or S3 payload writer. */
    public FailureDestinations.Builder destinationsBuilder() {
        return FailureDestinations.builder().sqs(clients.sqs()).sns(clients.sns()).s3(clients.s3());
    }
}
