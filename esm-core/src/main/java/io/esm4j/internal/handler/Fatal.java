package io.esm4j.internal.handler;

/**
 * Which handler failures are not a failed batch. Any Error from user code (a StackOverflowError on a deeply nested
 * poison record, a plain Error) fails the batch like an exception: escaping, it would end the engine's thread and
 * stall the shard or poller for good. Only a failing JVM (OutOfMemoryError, InternalError) is let through.
 */
public final class Fatal {

    private Fatal() {}

    public static void rethrowIfFatal(Throwable failure) {
        if (failure instanceof VirtualMachineError vmError && !(failure instanceof StackOverflowError)) {
            throw vmError;
        }
    }
}
