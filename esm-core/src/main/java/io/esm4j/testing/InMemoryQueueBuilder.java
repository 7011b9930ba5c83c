package io.esm4j.testing;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Options of an {@link InMemoryQueue}; start with {@link InMemoryQueue#standard} or {@link InMemoryQueue#fifo}. */
public final class InMemoryQueueBuilder {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final String FIFO_SUFFIX = ".fifo";
    private static final int MAX_MAX_RECEIVE_COUNT = 1000;

    final String name;
    final boolean fifo;
    Clock clock = Clock.systemUTC();
    Duration visibilityTimeout = Duration.ofSeconds(30);
    @Nullable InMemoryQueue deadLetterQueue;
    int maxReceiveCount;
    boolean contentBasedDeduplication;

    InMemoryQueueBuilder(String name, boolean fifo) {
        Objects.requireNonNull(name, "name");
        String base = fifo && name.endsWith(FIFO_SUFFIX) ? name.substring(0, name.length() - FIFO_SUFFIX.length()) : name;
        if (fifo && base.equals(name)) {
            throw new IllegalArgumentException("InvalidParameterValue: FIFO queue name '" + name + "' must end in "
                    + FIFO_SUFFIX);
        }
        if (!NAME.matcher(base).matches() || name.length() > 80) {
            throw new IllegalArgumentException("InvalidParameterValue: queue name '" + name + "' must have 1 to 80 "
                    + "letters, digits, '-' or '_'" + (fifo ? " and end in " + FIFO_SUFFIX
                    : (name.endsWith(FIFO_SUFFIX) ? "; use InMemoryQueue.fifo for a FIFO queue" : "")));
        }
        this.name = name;
        this.fifo = fifo;
    }

    /** The clock of visibility timeouts, timestamps and deduplication; default the system clock. */
    public InMemoryQueueBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** The queue's default visibility timeout, 0 to 12 h; default 30 s. */
    public InMemoryQueueBuilder visibilityTimeout(Duration visibilityTimeout) {
        InMemoryQueue.checkVisibilityTimeout(visibilityTimeout);
        this.visibilityTimeout = visibilityTimeout;
        return this;
    }

    /**
     * The redrive policy: a receive that finds a message already received {@code maxReceiveCount} (1 to 1000) times
     * moves it to {@code deadLetterQueue}, which must be of the same type (standard or FIFO).
     */
    public InMemoryQueueBuilder deadLetterQueue(InMemoryQueue deadLetterQueue, int maxReceiveCount) {
        Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
        if (deadLetterQueue.fifo() != fifo) {
            throw new IllegalArgumentException("InvalidParameterValue: the dead-letter queue of a "
                    + (fifo ? "FIFO" : "standard") + " queue must be " + (fifo ? "FIFO" : "standard") + " too, but "
                    + deadLetterQueue.name() + " is not");
        }
        if (maxReceiveCount < 1 || maxReceiveCount > MAX_MAX_RECEIVE_COUNT) {
            throw new IllegalArgumentException("InvalidParameterValue: maxReceiveCount must be between 1 and "
                    + MAX_MAX_RECEIVE_COUNT + " but was " + maxReceiveCount);
        }
        this.deadLetterQueue = deadLetterQueue;
        this.maxReceiveCount = maxReceiveCount;
        return this;
    }

    /** FIFO only: a send without a deduplication id is deduplicated by the SHA-256 of its body. */
    public InMemoryQueueBuilder contentBasedDeduplication(boolean enabled) {
        if (!fifo) {
            throw new IllegalArgumentException("InvalidAttributeName: ContentBasedDeduplication is for FIFO queues "
                    + "only, and " + name + " is a standard queue");
        }
        this.contentBasedDeduplication = enabled;
        return this;
    }

    public InMemoryQueue build() {
        return new InMemoryQueue(this);
    }
}
