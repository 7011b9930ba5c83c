package io.esm4j.kafka.internal.schema;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A record's key or value that is not what its registered schema says (an Avro datum that does not decode exactly,
 * JSON text that breaks its JSON Schema), or a schema that cannot be loaded. The message names what failed, never the
 * record's bytes.
 */
public final class UndecodableException extends Exception {

    UndecodableException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** Never null: every instance is made with a message. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage());
    }
}
