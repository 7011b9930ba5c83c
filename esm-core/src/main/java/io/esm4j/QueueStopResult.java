package io.esm4j;

/**
 * What {@link QueueEventSourceMapping#stop(java.time.Duration)} left behind.
 *
 * @param drainedInTime true if every batch being handled finished (and was deleted) before the timeout; a long poll
 *                      still open at the timeout does not count against it: it finishes in the background and
 *                      releases what it receives
 * @param deleteFailures messages that succeeded but that the queue refused to delete over the mapping's life, as the
 *                       engine counted them (whatever the meter registry keeps); they will be delivered again (make
 *                       handlers idempotent or use the idempotency store)
 */
public record QueueStopResult(boolean drainedInTime, long deleteFailures) {

    public QueueStopResult {
        if (deleteFailures < 0) {
            throw new IllegalArgumentException("deleteFailures must be >= 0 but was " + deleteFailures);
        }
    }
}
