package io.esm4j.lease;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A {@link LeaseStore} that lives as long as the JVM: the default of a mapping, and a way for several mappings
 * with the same name in one JVM (pass them the same store) to split a stream between them. Tokens are honoured
 * exactly as a durable store honours them.
 */
public final class InMemoryLeaseStore implements LeaseStore {

    private final Map<String, Map<String, Lease>> byMapping = new ConcurrentHashMap<>();

    /** An empty store. */
    public InMemoryLeaseStore() {}

    @Override
    public List<Lease> list(String mapping) {
        return new ArrayList<>(leases(mapping).values());
    }

    @Override
    public boolean create(Lease lease) {
        return leases(lease.mapping()).putIfAbsent(lease.shardId(), lease) == null;
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) {
        return update(seen, current -> sameVersion(current, seen), current -> current.taken(worker));
    }

    @Override
    public LeaseWrite renew(Lease held) {
        return update(held, current -> current.heldBy(held.owner(), held.counter()),
                current -> current.renewed().stating(held.ownerFailoverTime()));
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) {
        return update(held, current -> current.heldBy(held.owner(), held.counter()),
                current -> current.checkpointed(checkpoint));
    }

    @Override
    public LeaseWrite release(Lease held) {
        return update(held, current -> current.heldBy(held.owner(), held.counter()), Lease::released);
    }

    @Override
    public LeaseWrite requestHandoff(Lease seen, String worker) {
        return update(seen, current -> current.heldBy(seen.owner(), seen.counter()),
                current -> current.handoffRequestedBy(worker));
    }

    @Override
    public boolean delete(Lease seen) {
        AtomicBoolean removed = new AtomicBoolean();
        leases(seen.mapping()).computeIfPresent(seen.shardId(), (id, current) -> {
            removed.set(sameVersion(current, seen));
            return removed.get() ? null : current;
        });
        return removed.get();
    }

    private static boolean sameVersion(Lease current, Lease seen) {
        return Objects.equals(current.owner(), seen.owner()) && current.counter() == seen.counter();
    }

    /** A shard's checkpoint as its lease holds it (a starting position until a record is done), if it has a lease. */
    public Optional<Checkpoint> checkpoint(String mapping, String shardId) {
        return Optional.ofNullable(leases(mapping).get(shardId)).map(Lease::checkpoint);
    }

    /** The leases of one mapping by shard id, for tests and status pages. */
    public Map<String, Lease> snapshot(String mapping) {
        return Map.copyOf(leases(mapping));
    }

    private Map<String, Lease> leases(String mapping) {
        return byMapping.computeIfAbsent(mapping, m -> new ConcurrentHashMap<>());
    }

    private interface Condition {
        boolean holds(Lease current);
    }

    private LeaseWrite update(Lease expected, Condition condition, UnaryOperator<Lease> change) {
        AtomicReference<LeaseWrite> outcome = new AtomicReference<>(new LeaseWrite.Lost(null));
        leases(expected.mapping()).computeIfPresent(expected.shardId(), (id, current) -> {
            if (!condition.holds(current)) {
                outcome.set(new LeaseWrite.Lost(current));
                return current;
            }
            Lease next = change.apply(current);
            outcome.set(new LeaseWrite.Written(next));
            return next;
        });
        return outcome.get();
    }
}
