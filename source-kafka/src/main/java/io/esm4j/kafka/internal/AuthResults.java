package io.esm4j.kafka.internal;

import io.esm4j.internal.MappingStatus;
import io.esm4j.kafka.KafkaAuthResults;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lambda's authentication and authorization messages ({@link KafkaAuthResults}) as a mapping's LastProcessingResult,
 * for every call that can be refused: polls, offset commits, offset lookups, schema registry calls. Each caller
 * (component) shows its message while its calls are refused and takes it back once one works. While any shows one,
 * the batches' results do not replace it ({@link MappingStatus#hold}: a mapping of two topics, one refused, would
 * otherwise flip between a batch's {@code OK} and the refusal); once none does, the last batch's result shows, or the
 * one from before the first refusal if no batch ran meanwhile. Called from the poll thread and the registry client's
 * threads.
 */
final class AuthResults {

    private static final String HOLDER = "kafka authorization: ";

    private final MappingStatus status;
    /** The components that show a message: the poll thread takes nothing back after each poll while none does. */
    private final Set<String> shown = ConcurrentHashMap.newKeySet();
    /**
     * Keeps a component's set entry and its held result together: the registry's threads show and take back one
     * component concurrently, and a show's hold landing after a take-back's release would stay for good. Held for no
     * I/O, only for the in-memory updates.
     */
    private final ReentrantLock lock = new ReentrantLock();

    AuthResults(MappingStatus status) {
        this.status = status;
    }

    /** {@code component}'s call was refused: {@code message} is the last processing result until taken back. */
    void show(String component, String message) {
        lock.lock();
        try {
            shown.add(component);
            status.hold(HOLDER + component, message);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code component}'s calls work again: its message goes, replaced by another component's that still shows one,
     * or by the batches' result.
     */
    void takeBack(String component) {
        if (shown.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            if (shown.remove(component)) {
                status.release(HOLDER + component);
            }
        } finally {
            lock.unlock();
        }
    }
}
