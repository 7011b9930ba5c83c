package io.esm4j.testing;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.IdempotencyStore;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An idempotency store that passes every call to another one, for tests that watch or disturb some calls: extend it
 * and override only those (record the keys and expiries claimed, fail releases as a throttled table would), calling
 * {@code super} to reach the store underneath.
 */
public class ForwardingIdempotencyStore implements IdempotencyStore {

    private final IdempotencyStore delegate;

    public ForwardingIdempotencyStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        return delegate.acquire(key, payloadHash, owner, inProgressExpiry);
    }

    @Override
    public boolean extend(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        return delegate.extend(key, payloadHash, owner, inProgressExpiry);
    }

    @Override
    public void complete(String key, @Nullable String payloadHash, Instant ttlExpiry) {
        delegate.complete(key, payloadHash, ttlExpiry);
    }

    @Override
    public boolean release(String key, String owner) {
        return delegate.release(key, owner);
    }
}
