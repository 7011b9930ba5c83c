package io.esm4j.kafka.internal;

/** A fatal error (a failing JVM) reported by a lane or the intake: the poll loop stops the mapping. */
final class FatalPollFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    FatalPollFailure(Throwable cause) {
        super(cause);
    }

    /**
     * Throws the fatal failure {@code e} is or carries: a rebalance callback's comes out of {@code poll} wrapped by
     * the consumer's coordinator.
     */
    static void rethrowFrom(RuntimeException e) {
        if (e instanceof FatalPollFailure fatal) {
            throw fatal;
        }
        if (e.getCause() instanceof FatalPollFailure fatal) {
            throw fatal;
        }
    }
}
