package io.esm4j.kafka.internal.schema.proto;

/** A record that is not the message its schema and message indexes name; the message never quotes its bytes. */
public final class ProtoDecodeException extends RuntimeException {

    ProtoDecodeException(String message) {
        super(message);
    }
}
