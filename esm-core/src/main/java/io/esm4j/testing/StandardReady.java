package io.esm4j.testing;

import java.util.LinkedHashSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Standard queue: visible messages in the order they became visible (sent, or back from flight), each operation
 * O(1). SQS promises no order at all; this one is merely deterministic.
 */
final class StandardReady implements ReadyMessages {

    private final LinkedHashSet<StoredMessage> visible = new LinkedHashSet<>();

    @Override
    public void sent(StoredMessage message) {
        visible.add(message);
    }

    @Override
    public void take(int max, Predicate<StoredMessage> deliver) {
        int delivered = 0;
        while (delivered < max && !visible.isEmpty()) {
            if (deliver.test(visible.removeFirst())) {
                delivered++;
            }
        }
    }

    @Override
    public void returned(StoredMessage message) {
        visible.add(message);
    }

    @Override
    public void removed(StoredMessage message) {
        if (!message.inFlight) {
            visible.remove(message);
        }
    }

    @Override
    public boolean hasDeliverable() {
        return !visible.isEmpty();
    }

    @Override
    public void forEach(Consumer<StoredMessage> action) {
        visible.forEach(action);
    }
}
