package io.esm4j.failure;

/**
 * The on-failure destination SPI. {@link #send} returns only once the record is durably accepted; if it throws, the
 * engine keeps the records' checkpoint where it is and retries the delivery of the same record with backoff, so
 * nothing is skipped unless it was delivered somewhere. Each refusal counts in {@code DestinationDeliveryFailures},
 * is logged with the exception (so its message must not hold a payload or a credential), and shows as the mapping's
 * state transition reason until a delivery succeeds; one thrown as {@link DestinationRefusedException} (refused
 * credentials or permissions, a destination that does not exist) also as the last processing result. Implementations are called from several shards at
 * once.
 */
@FunctionalInterface
public interface FailureDestination {

    void send(FailureRecord record) throws Exception;
}
