package io.esm4j.internal.stream;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.HandlerThread;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.settings.HandlerThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A shard pipeline's lane threads: only those that started are kept (for {@link #await} and {@link #interrupt}), and
 * whoever is told of the lanes' end hears it once, when the last lane counted has ended.
 */
final class LaneThreads {

    private final HandlerThreads kind;
    private final String mappingName;
    private final String namePrefix;
    private final Runnable lastEnded;
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger numbers = new AtomicInteger();
    private final AtomicInteger counted = new AtomicInteger();

    LaneThreads(HandlerThreads kind, String mappingName, String shardId, Runnable lastEnded) {
        this.kind = kind;
        this.mappingName = mappingName;
        this.namePrefix = "esm4j-" + mappingName + "-" + shardId + "-lane-";
        this.lastEnded = lastEnded;
    }

    /**
     * Counts lanes before they start: counted before any of a group starts, a lane that ends at once cannot be taken
     * for the last one. Each is later {@link #ended}, whether its thread ran or never started.
     */
    void count(int lanes) {
        counted.addAndGet(lanes);
    }

    /**
     * Starts a counted lane's thread, which must call {@link #ended} once as it ends; what kept it from starting
     * otherwise (then it is not kept, and the caller counts it ended).
     */
    @Nullable ThreadNotStarted start(Runnable lane) {
        Thread thread = HandlerThread.builder(kind, namePrefix + numbers.getAndIncrement())
                .unstarted(MappingLogName.bound(mappingName, () -> {
                    try {
                        lane.run();
                    } finally {
                        running.remove(Thread.currentThread());
                    }
                }));
        // Kept before it starts, so that it is there when it removes itself at its end.
        running.add(thread);
        try {
            EngineThreads.start(thread);
            return null;
        } catch (ThreadNotStarted e) {
            running.remove(thread);
            return e;
        }
    }

    /** Counted lanes ended, or will never start. */
    void ended(int lanes) {
        if (counted.addAndGet(-lanes) == 0) {
            lastEnded.run();
        }
    }

    /** Waits for the lane threads to end (once no lane starts any more); false if the deadline came first. */
    boolean await(Instant deadline) throws InterruptedException {
        for (Thread thread : List.copyOf(running)) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (!left.isPositive() || !thread.join(left)) {
                return false;
            }
        }
        return true;
    }

    void interrupt() {
        running.forEach(Thread::interrupt);
    }
}
