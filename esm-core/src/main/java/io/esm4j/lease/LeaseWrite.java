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
}
