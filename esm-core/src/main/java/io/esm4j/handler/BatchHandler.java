package io.esm4j.handler;

import org.jspecify.annotations.Nullable;

/**
 * User code invoked with one batch at a time.
 *
 * <p>A thrown exception fails the whole batch, as a function error; {@link FunctionNotInvokedException} instead says
 * the function was never reached (throttled), which is retried without counting as a retry attempt. Returning
 * {@link BatchResult#success()} completes the batch, and so does null, as a null Lambda response does (with tumbling
 * windows, a response without state fails the invocation). With ReportBatchItemFailures enabled,
 * {@link BatchResult#failures(java.util.Collection)} names the records that failed; every malformed or unknown id
 * fails the whole batch, as Lambda does. A handler that invokes a real function passes its Invoke response (status
 * code, executed version) on to the failure record with {@link FunctionErrorException} or
 * {@link BatchResult#withResponse}.
 *
 * @param <R> the record type of the batch
 */
@FunctionalInterface
public interface BatchHandler<R> {

    @Nullable BatchResult handle(Batch<R> batch) throws Exception;
}
