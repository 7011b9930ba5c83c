package io.esm4j.internal.queue;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes and visibility changes in chunks of 10, with per-entry failures retried when the queue says retrying can
 * help, and counted and logged when it cannot: a failed delete is never silently ignored.
 */
final class QueueCalls<T> {

    private static final Logger LOG = LoggerFactory.getLogger(QueueCalls.class);
    private static final int MAX_ENTRIES = 10;
    private static final int ATTEMPTS = 3;
    /** Deletes also run during stop, which must not wait out a long backoff. */
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    private final QueueContext<T> ctx;

    QueueCalls(QueueContext<T> ctx) {
        this.ctx = ctx;
    }

    /** Deletes the messages; returns how many could not be deleted. */
    int delete(List<QueueMessage<T>> messages) throws InterruptedException {
        int failed = 0;
        for (int from = 0; from < messages.size(); from += MAX_ENTRIES) {
            List<QueueMessage<T>> chunk = messages.subList(from, Math.min(messages.size(), from + MAX_ENTRIES));
            int notDeleted = withRetries("delete", chunk, ctx.source()::delete);
            ctx.metrics().deleted.increment(chunk.size() - notDeleted);
            failed += notDeleted;
        }
        ctx.metrics().deleteErrors.increment(failed);
        return failed;
    }

    /** Makes the messages visible again at once, so another poller or consumer can take them. */
    void release(List<QueueMessage<T>> messages) throws InterruptedException {
        changeVisibility(messages, Duration.ZERO);
    }

    void changeVisibility(List<QueueMessage<T>> messages, Duration timeout) throws InterruptedException {
        for (int from = 0; from < messages.size(); from += MAX_ENTRIES) {
            List<QueueMessage<T>> chunk = messages.subList(from, Math.min(messages.size(), from + MAX_ENTRIES));
            withRetries("changeVisibility", chunk, entries -> ctx.source().changeVisibility(entries, timeout));
        }
    }

    @FunctionalInterface
    private interface BatchCall<T> {
        List<EntryFailure> call(List<QueueMessage<T>> entries) throws Exception;
    }

    /** Returns how many entries still failed after the retries. */
    private int withRetries(String operation, List<QueueMessage<T>> entries, BatchCall<T> call)
            throws InterruptedException {
        List<QueueMessage<T>> pending = entries;
        int permanent = 0;
        for (int attempt = 1; ; attempt++) {
            List<QueueMessage<T>> retryable = new ArrayList<>();
            try {
                for (EntryFailure failure : call.call(pending)) {
                    if (failure.senderFault()) {
                        permanent++;
                        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("operation", operation)
                                .addKeyValue("messageId", pending.get(failure.index()).messageId())
                                .addKeyValue("code", failure.code()).addKeyValue("reason", failure.message())
                                .log("queue refused an entry");
                    } else {
                        retryable.add(pending.get(failure.index()));
                    }
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("operation", operation)
                        .addKeyValue("entries", pending.size()).addKeyValue("attempt", attempt).setCause(e)
                        .log("queue call failed");
                retryable = pending;
            }
            if (retryable.isEmpty() || attempt == ATTEMPTS) {
                if (!retryable.isEmpty()) {
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("operation", operation)
                            .addKeyValue("entries", retryable.size()).log("giving up on entries after retries");
                }
                return permanent + retryable.size();
            }
            pending = retryable;
            Duration pause = ctx.backoff().delay(attempt);
            Thread.sleep(pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause);
        }
    }
}
