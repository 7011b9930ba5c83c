package io.esm4j.kafka.internal;

import io.esm4j.internal.MappingStatus;
import io.esm4j.kafka.KafkaAuthResults;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lambda's authentication and authorization messages ({@link KafkaAuthResults}) as a mapping's LastProcessingResult,
 * for every call that can be refused: polls, offset commits, offset lookups, schema registry calls. Each caller
 * (component) shows its message while its calls are refused and takes it back once one works; the result from before
 * the first refusal comes back when no component shows one any more, unless a batch's result replaced it meanwhile.
 * Called from the poll thread and the registry client's threads.
 */
final class AuthResults {

    private final MappingStatus status;
    /** Guards the fields below; held for no I/O, only for the status's in-memory updates. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The message each refused component shows, in the order they were shown. */
    private final Map<String, String> shown = new LinkedHashMap<>();
    private String before = MappingStatus.NO_RECORDS_PROCESSED;
    /** How many components show a message: the poll thread takes nothing back after each poll while none does. */
    private volatile int showing;

    AuthResults(MappingStatus status) {
        this.status = status;
    }

    /** {@code component}'s call was refused: {@code message} is the last processing result. */
    void show(String component, String message) {
        lock.lock();
        try {
            String current = status.lastProcessingResult();
            if (!KafkaAuthResults.isOne(current)) {
                before = current;
            }
            status.processed(message);
            shown.remove(component);
            shown.put(component, message);
            showing = shown.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code component}'s calls work again: its message goes, replaced by another component's that still shows one,
     * or by the result from before the refusals.
     */
    void takeBack(String component) {
        if (showing == 0) {
            return;
        }
        lock.lock();
        try {
            String message = shown.remove(component);
            showing = shown.size();
            if (message == null) {
                return;
            }
            String next = shown.isEmpty() ? before : shown.values().stream().reduce((first, last) -> last)
                    .orElse(before);
            status.replaceProcessed(message, next);
        } finally {
            lock.unlock();
        }
    }
}
