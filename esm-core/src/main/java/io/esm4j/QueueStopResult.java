package io.esm4j;

/**
 * What {@link QueueEventSourceMapping#stop(java.time.Duration)} left behind.
 *
 * @param drainedInTime true if every batch being handled finished (and was deleted) before the timeout
 * @param deleteFailures messages that succeeded but that the queue refused to delete over the mapping's life; they
 *                       will be delivered again (make handlers idempotent or use the idempotency store)
 */
public record QueueStopResult(boolean drainedInTime, long deleteFailures) {}
