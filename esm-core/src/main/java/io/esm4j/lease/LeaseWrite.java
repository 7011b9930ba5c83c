package io.esm4j.lease;

import org.jspecify.annotations.Nullable;

/** The outcome of a conditional lease write: it was made, or the lease is no longer the one the writer held. */
public sealed interface LeaseWrite {

    /** The write was made; {@code lease} is the lease as stored now. */
    record Written(Lease lease) implements LeaseWrite {}

    /**
     * The lease changed since the writer saw it (another worker took it, it was released or deleted), so nothing
     * was written. {@code current} is the lease as stored now, or null if there is none or the store cannot say.
     */
    record Lost(@Nullable Lease current) implements LeaseWrite {}

    /**
     * The outcome, with a refusal that is really this very write seen twice turned into success. When a write whose
     * first attempt was made but whose response was lost (a timeout, a 5xx) is retried, the retry finds the condition
     * broken by that first attempt. If the lease as stored now has the owner and counter the write meant to produce
     * (and, for a checkpoint write, which leaves the counter alone, its checkpoint), the write was made.
     *
     * <p>Call it only for a write that really was retried after an attempt without an answer. A refusal of any other
     * write that shows the intended lease was made by someone else under the same worker id, and taking it for one's
     * own would let two processes hold one lease. A store whose client retries on its own must recognise its own
     * retries itself (as the DynamoDB store does, only when the SDK made more than one attempt); the engine does so
     * only for the writes it retries, its renewals.
     */
    default LeaseWrite orMadeBy(Lease intended, boolean compareCheckpoint) {
        if (this instanceof Lost lost && lost.current() != null
                && java.util.Objects.equals(lost.current().owner(), intended.owner())
                && lost.current().counter() == intended.counter()
                && (!compareCheckpoint || lost.current().checkpoint().equals(intended.checkpoint()))) {
            return new Written(lost.current());
        }
        return this;
    }
}
