package io.esm4j.worker;

import java.net.URI;
import java.util.Objects;

/**
 * Where a worker keeps state that several workers can share: its stream shard leases and checkpoints (the
 * {@code --lease-*} flags of {@link Main}) and the mappings created through its API ({@code --mapping-*}).
 */
public sealed interface StoreLocation {

    /** In the worker's data directory (a file of its own): nothing is shared. */
    record DataDirectory() implements StoreLocation {}

    /** In a DynamoDB table, shared by every worker given the same table. */
    record DynamoDbTable(String name) implements StoreLocation {
        public DynamoDbTable {
            Objects.requireNonNull(name, "name");
        }
    }

    /** In Redis or Valkey, shared by every worker given the same server. */
    record Redis(URI uri) implements StoreLocation {
        public Redis {
            Objects.requireNonNull(uri, "uri");
        }
    }
}
