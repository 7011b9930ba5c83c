package io.esm4j.failure;

/**
 * The on-failure destination SPI. {@link #send} returns only once the record is durably accepted; if it throws, the
 * engine keeps the records' checkpoint where it is and retries the delivery with backoff, so nothing is skipped
 * unless it was delivered somewhere.
 */
@FunctionalInterface
public interface FailureDestination {

    void send(FailureRecord record) throws Exception;
}
