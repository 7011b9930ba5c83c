package io.esm4j.worker;

import java.net.URI;
import java.util.Objects;

/** Where a worker keeps stream shard leases and checkpoints (the {@code --lease-*} flags of {@link Main}). */
public sealed interface LeaseLocation {

    /** In the data directory (a file): the worker reads every shard of its streams itself. */
    record DataDirectory() implements LeaseLocation {}

    /** In a DynamoDB table (esm4j's state-dynamodb), shared by every worker given the same table. */
    record DynamoDbTable(String name) implements LeaseLocation {
        public DynamoDbTable {
            Objects.requireNonNull(name, "name");
        }
    }

    /** In Redis or Valkey (esm4j's state-redis), shared by every worker given the same server. */
    record Redis(URI uri) implements LeaseLocation {
        public Redis {
            Objects.requireNonNull(uri, "uri");
        }
    }
}
