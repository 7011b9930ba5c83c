package io.esm4j.testing;

import io.esm4j.queue.EntryFailure;
import io.esm4j.testing.InMemoryQueue.Operation;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Planned failures of whole calls and of single batch entries. Thread-safe; free while nothing is planned. */
final class Faults {

    private static final class Planned {
        final Supplier<? extends Exception> failure;
        int remaining;

        Planned(Supplier<? extends Exception> failure, int remaining) {
            this.failure = failure;
            this.remaining = remaining;
        }
    }

    private final Map<Operation, ArrayDeque<Planned>> calls = new EnumMap<>(Operation.class);
    private final Map<Operation, Map<String, Integer>> entries = new EnumMap<>(Operation.class);
    /** Set once anything is planned, so that tests and benchmarks without faults never take this monitor. */
    private volatile boolean armed;

    synchronized void failNext(Operation operation, int times, Supplier<? extends Exception> failure) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(failure, "failure");
        requirePositive(times);
        calls.computeIfAbsent(operation, op -> new ArrayDeque<>()).add(new Planned(failure, times));
        armed = true;
    }

    synchronized void failEntries(Operation operation, String messageId, int times) {
        Objects.requireNonNull(messageId, "messageId");
        if (operation != Operation.DELETE && operation != Operation.CHANGE_VISIBILITY) {
            throw new IllegalArgumentException("entry failures apply to DELETE and CHANGE_VISIBILITY, not " + operation);
        }
        requirePositive(times);
        entries.computeIfAbsent(operation, op -> new HashMap<>()).merge(messageId, times, Faults::saturatedSum);
        armed = true;
    }

    /** Throws the next planned failure of {@code operation}, if any. */
    void throwIfPlanned(Operation operation) throws Exception {
        if (!armed) {
            return;
        }
        Supplier<? extends Exception> failure;
        synchronized (this) {
            ArrayDeque<Planned> planned = calls.get(operation);
            if (planned == null || planned.isEmpty()) {
                return;
            }
            Planned next = planned.peek();
            if (--next.remaining == 0) {
                planned.poll();
            }
            failure = next.failure;
        }
        throw failure.get();
    }

    /** The planned failure of this entry, or {@code null} when it should go through. */
    @Nullable EntryFailure entryFailure(Operation operation, String messageId, int index) {
        if (!armed) {
            return null;
        }
        synchronized (this) {
            Map<String, Integer> planned = entries.get(operation);
            Integer remaining = planned == null ? null : planned.get(messageId);
            if (planned == null || remaining == null) {
                return null;
            }
            if (remaining == 1) {
                planned.remove(messageId);
            } else {
                planned.put(messageId, remaining - 1);
            }
        }
        // A service-side error: retrying the entry can help, which is what an engine should do with it.
        return new EntryFailure(index, "InternalError", "injected " + operation + " failure of message " + messageId,
                false);
    }

    private static void requirePositive(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be >= 1 but was " + times);
        }
    }

    private static int saturatedSum(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
}
