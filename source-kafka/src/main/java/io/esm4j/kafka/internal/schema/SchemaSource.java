package io.esm4j.kafka.internal.schema;

import java.util.concurrent.CompletableFuture;

/**
 * Where a mapping's schemas come from: a Confluent-compatible registry or AWS Glue's. Calls are asynchronous, on the
 * source's own threads, so that nothing on the record path waits on the network.
 */
public interface SchemaSource {

    /** What the source answered about a schema id. */
    sealed interface Lookup {}

    /** The source has the schema. */
    record Found(RegisteredSchema schema) implements Lookup {}

    /** The source says it has no such schema (or none of a schema it references): the records are given up. */
    record NotFound(String id, String reason) implements Lookup {}

    /**
     * The source has the schema, but it is of a type esm4j does not read: the records are given up (as
     * {@code DeserializationError}), since asking again would not change the answer.
     */
    record Unusable(String id, String reason) implements Lookup {}

    /** An answer that is neither: the call is worth trying again (the registry may be down or misconfigured). */
    final class RegistryFailure extends RuntimeException {
        private final int httpStatus;

        public RegistryFailure(String message) {
            this(message, -1);
        }

        /** @param httpStatus the status the registry answered with (401 and 403 refuse the credentials), or -1 */
        public RegistryFailure(String message, int httpStatus) {
            super(message);
            this.httpStatus = httpStatus;
        }

        public RegistryFailure(String message, Throwable cause) {
            super(message, cause);
            this.httpStatus = -1;
        }

        /** The HTTP status of the registry's answer, or -1 if there was none (or it was not an HTTP call). */
        public int httpStatus() {
            return httpStatus;
        }
    }

    /**
     * The schema with this id (as the records' framing names it); fails with {@link RegistryFailure} (or an I/O
     * error) if the source did not say.
     */
    CompletableFuture<Lookup> fetch(String id);
}
