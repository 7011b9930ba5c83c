package io.esm4j.internal.handler;

/**
 * Which failures end the whole mapping rather than one batch, shard or poller. Any other Throwable from user code, a
 * source, a filter or a store (a StackOverflowError on a deeply nested poison record, a plain Error, a
 * RuntimeException) fails only the batch or the component that met it, which is retried: escaping, it would end an
 * engine thread and stall a shard or poller for good. A failing JVM (OutOfMemoryError, InternalError) or a broken
 * class path (LinkageError) will not heal by retrying, so the mapping stops and says why.
 */
public final class Fatal {

    private Fatal() {}

    public static boolean isFatal(Throwable failure) {
        return (failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError))
                || failure instanceof LinkageError;
    }

    /** Rethrows a fatal failure as it is; returns for any other. */
    public static void rethrowIfFatal(Throwable failure) {
        if (isFatal(failure)) {
            throw (Error) failure;
        }
    }

    /** How a failure is named in a state transition reason or a status view: its class and message, no payload. */
    public static String describe(Throwable failure) {
        if (failure instanceof RecordFailure) {
            return failure.getMessage();
        }
        String message = failure.getMessage();
        return message == null ? failure.getClass().getName() : failure.getClass().getName() + ": " + message;
    }
}
