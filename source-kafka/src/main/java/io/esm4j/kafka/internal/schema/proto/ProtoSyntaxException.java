package io.esm4j.kafka.internal.schema.proto;

/** A {@code .proto} schema esm4j cannot read or link: the message says where and what was expected. */
public final class ProtoSyntaxException extends RuntimeException {

    ProtoSyntaxException(String message) {
        super(message);
    }
}
