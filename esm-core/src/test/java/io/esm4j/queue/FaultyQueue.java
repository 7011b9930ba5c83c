package io.esm4j.queue;

import io.esm4j.filter.FilterDocument;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An {@link InMemoryQueue} whose calls can throw any Throwable (an Error too, which the queue's own planned failures
 * cannot) until healed, and whose visibility changes can take a network round trip's time; it records the calls.
 */
final class FaultyQueue implements QueueSource<SqsLikeMessage> {

    private final InMemoryQueue queue;
    private final Map<InMemoryQueue.Operation, Supplier<? extends Throwable>> failing =
            new ConcurrentHashMap<>(new EnumMap<>(InMemoryQueue.Operation.class));
    private final Map<InMemoryQueue.Operation, AtomicInteger> failuresLeft =
            new ConcurrentHashMap<>(new EnumMap<>(InMemoryQueue.Operation.class));
    private final Set<Thread> receivingThreads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger receivesInFlight = new AtomicInteger();
    private final List<VisibilityCall> visibilityCalls = new CopyOnWriteArrayList<>();
    private volatile Duration changeVisibilityLatency = Duration.ZERO;
    private volatile CountDownLatch extensionGate;
    private volatile Predicate<String> unfilterableBody = body -> false;
    private volatile Supplier<? extends Throwable> filterFailure;
    private final Map<String, AtomicInteger> filterDocuments = new ConcurrentHashMap<>();
    private volatile CountDownLatch receiveGate;
    private volatile Supplier<? extends Throwable> afterGate;
    private final Queue<Receive> receives = new ConcurrentLinkedQueue<>();
    private final AtomicInteger receivesLeftBeforeHold = new AtomicInteger(Integer.MAX_VALUE);
    private volatile CountDownLatch holdGate;
    private volatile int eventEnvelopeBytes;
    private volatile CallHook beforeDelete = () -> {};
    private volatile CallHook beforeChangeVisibility = () -> {};

    /** A receive: the thread that made it, when it started ({@link System#nanoTime()}), the messages it returned. */
    record Receive(Thread thread, long startNanos, List<String> bodies) {}

    /** A changeVisibility call: how many entries, to what timeout. */
    record VisibilityCall(int entries, Duration timeout) {}

    /** Runs in a call before it reaches the queue: it may throw, or set the thread's interrupt flag and return. */
    @FunctionalInterface
    interface CallHook {
        void run() throws Exception;
    }

    private final java.util.concurrent.atomic.AtomicInteger visibilityTimeoutFailures =
            new java.util.concurrent.atomic.AtomicInteger();

    FaultyQueue(InMemoryQueue queue) {
        this.queue = queue;
    }

    /** The source declares this envelope around its events' records, as SQS does (0 by default). */
    FaultyQueue eventEnvelopeBytes(int bytes) {
        this.eventEnvelopeBytes = bytes;
        return this;
    }

    @Override
    public int eventEnvelopeBytes() {
        return eventEnvelopeBytes;
    }

    /** Every call of {@code operation} throws {@code failure.get()} until {@link #heal}. */
    FaultyQueue failAlways(InMemoryQueue.Operation operation, Supplier<? extends Throwable> failure) {
        failuresLeft.remove(operation);
        failing.put(operation, failure);
        return this;
    }

    /**
     * Every receive waits until {@code gate} opens, then throws {@code failure.get()}: a long poll whose client is
     * closed under it.
     */
    FaultyQueue holdReceivesThenFail(CountDownLatch gate, Supplier<? extends Throwable> failure) {
        this.afterGate = failure;
        this.receiveGate = gate;
        return this;
    }

    /**
     * The first {@code passing} receives reach the queue; every later one waits until {@code gate} opens and then
     * returns nothing, so a test can tell what a poller does without receiving again.
     */
    FaultyQueue holdReceivesAfter(int passing, CountDownLatch gate) {
        this.holdGate = gate;
        receivesLeftBeforeHold.set(passing);
        return this;
    }

    /** Every receive that returned, in the order they returned. */
    List<Receive> receives() {
        return List.copyOf(receives);
    }

    /** The next {@code times} calls of {@code operation} throw {@code failure.get()}. */
    FaultyQueue failNext(InMemoryQueue.Operation operation, int times, Supplier<? extends Throwable> failure) {
        failuresLeft.put(operation, new AtomicInteger(times));
        failing.put(operation, failure);
        return this;
    }

    /** Every delete call runs {@code hook} before it reaches the queue. */
    FaultyQueue beforeDelete(CallHook hook) {
        this.beforeDelete = hook;
        return this;
    }

    /** Every changeVisibility call runs {@code hook} before it reaches the queue (after its latency). */
    FaultyQueue beforeChangeVisibility(CallHook hook) {
        this.beforeChangeVisibility = hook;
        return this;
    }

    void heal(InMemoryQueue.Operation operation) {
        failing.remove(operation);
    }

    /** How long each changeVisibility call takes before it reaches the queue, as a network call would. */
    FaultyQueue changeVisibilityLatency(Duration latency) {
        this.changeVisibilityLatency = latency;
        return this;
    }

    /** Visibility extensions (a timeout above zero) wait for {@code gate} before they reach the queue. */
    FaultyQueue holdExtensions(CountDownLatch gate) {
        this.extensionGate = gate;
        return this;
    }

    /** Building the filter document of a message with such a body throws {@code failure.get()}. */
    FaultyQueue failFilterDocument(Predicate<String> body, Supplier<? extends Throwable> failure) {
        this.unfilterableBody = body;
        this.filterFailure = failure;
        return this;
    }

    /** How many times the filter document of the message with this body was asked for (0 if never). */
    int filterDocuments(String body) {
        AtomicInteger count = filterDocuments.get(body);
        return count == null ? 0 : count.get();
    }

    /** Every changeVisibility call, in call order. */
    List<VisibilityCall> visibilityCalls() {
        return List.copyOf(visibilityCalls);
    }

    Set<Thread> receivingThreads() {
        return Set.copyOf(receivingThreads);
    }

    int receivesInFlight() {
        return receivesInFlight.get();
    }

    @Override
    public String queueArn() {
        return queue.queueArn();
    }

    @Override
    public boolean fifo() {
        return queue.fifo();
    }

    @Override
    public Duration visibilityTimeout() {
        if (visibilityTimeoutFailures.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
            throw new IllegalStateException("injected: GetQueueAttributes failed");
        }
        return queue.visibilityTimeout();
    }

    /** The next {@code times} reads of the visibility timeout throw. */
    FaultyQueue failVisibilityTimeout(int times) {
        visibilityTimeoutFailures.set(times);
        return this;
    }

    @Override
    public Set<String> filterableKeys() {
        return queue.filterableKeys();
    }

    @Override
    public FilterDocument filterDocument(QueueMessage<SqsLikeMessage> message) {
        filterDocuments.computeIfAbsent(message.payload().body(), b -> new AtomicInteger()).incrementAndGet();
        if (unfilterableBody.test(message.payload().body())) {
            throw sneaky(filterFailure.get());
        }
        return queue.filterDocument(message);
    }

    @Override
    public List<QueueMessage<SqsLikeMessage>> receive(int maxMessages, Duration waitTime) throws Exception {
        receivingThreads.add(Thread.currentThread());
        receivesInFlight.incrementAndGet();
        try {
            CountDownLatch gate = receiveGate;
            if (gate != null) {
                gate.await();
                Throwable failure = afterGate.get();
                if (failure instanceof Exception exception) {
                    throw exception;
                }
                throw (Error) failure;
            }
            throwIfFailing(InMemoryQueue.Operation.RECEIVE);
            long startNanos = System.nanoTime();
            List<QueueMessage<SqsLikeMessage>> received;
            CountDownLatch hold = holdGate;
            if (hold != null && receivesLeftBeforeHold.getAndDecrement() <= 0) {
                hold.await();
                received = List.of();
            } else {
                received = queue.receive(maxMessages, waitTime);
            }
            receives.add(new Receive(Thread.currentThread(), startNanos,
                    received.stream().map(m -> m.payload().body()).toList()));
            return received;
        } finally {
            receivesInFlight.decrementAndGet();
        }
    }

    @Override
    public List<EntryFailure> delete(List<QueueMessage<SqsLikeMessage>> messages) throws Exception {
        throwIfFailing(InMemoryQueue.Operation.DELETE);
        beforeDelete.run();
        return queue.delete(messages);
    }

    @Override
    public List<EntryFailure> changeVisibility(List<QueueMessage<SqsLikeMessage>> messages, Duration timeout)
            throws Exception {
        visibilityCalls.add(new VisibilityCall(messages.size(), timeout));
        Duration latency = changeVisibilityLatency;
        if (latency.isPositive()) {
            Thread.sleep(latency);
        }
        CountDownLatch gate = extensionGate;
        if (gate != null && timeout.isPositive()) {
            gate.await();
        }
        throwIfFailing(InMemoryQueue.Operation.CHANGE_VISIBILITY);
        beforeChangeVisibility.run();
        return queue.changeVisibility(messages, timeout);
    }

    private void throwIfFailing(InMemoryQueue.Operation operation) throws Exception {
        Supplier<? extends Throwable> failure = failing.get(operation);
        if (failure == null) {
            return;
        }
        AtomicInteger left = failuresLeft.get(operation);
        if (left != null && left.getAndDecrement() <= 0) {
            return;
        }
        Throwable thrown = failure.get();
        if (thrown instanceof Exception exception) {
            throw exception;
        }
        throw (Error) thrown;
    }

    private static RuntimeException sneaky(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            return runtime;
        }
        throw (Error) failure;
    }
}
