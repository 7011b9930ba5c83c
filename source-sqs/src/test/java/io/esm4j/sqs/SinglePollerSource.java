package io.esm4j.sqs;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import io.esm4j.queue.QueueSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets only the first poller that asks receive; the others get empty long polls. A test that needs every
 * message in one batch uses it, because the engine always runs at least two pollers (MaximumConcurrency ≥ 2), and
 * two pollers may each take part of the queue.
 */
final class SinglePollerSource implements QueueSource<SqsMessage> {

    private final QueueSource<SqsMessage> delegate;
    private static final Duration MIN_EMPTY_POLL = Duration.ofMillis(100);

    private final AtomicReference<Thread> receiver = new AtomicReference<>();

    SinglePollerSource(QueueSource<SqsMessage> delegate) {
        this.delegate = delegate;
    }

    @Override
    public String queueArn() {
        return delegate.queueArn();
    }

    @Override
    public int eventEnvelopeBytes() {
        return delegate.eventEnvelopeBytes();
    }

    @Override
    public boolean fifo() {
        return delegate.fifo();
    }

    @Override
    public Duration visibilityTimeout() throws Exception {
        return delegate.visibilityTimeout();
    }

    @Override
    public List<QueueMessage<SqsMessage>> receive(int maxMessages, Duration waitTime) throws Exception {
        receiver.compareAndSet(null, Thread.currentThread());
        if (receiver.get() != Thread.currentThread()) {
            // An empty long poll: stop() lets a receive finish rather than interrupt it.
            Thread.sleep(waitTime);
            return List.of();
        }
        return delegate.receive(maxMessages, waitTime);
    }

    @Override
    public List<EntryFailure> delete(List<QueueMessage<SqsMessage>> messages) throws Exception {
        return delegate.delete(messages);
    }

    @Override
    public List<EntryFailure> changeVisibility(List<QueueMessage<SqsMessage>> messages, Duration visibilityTimeout)
            throws Exception {
        return delegate.changeVisibility(messages, visibilityTimeout);
    }
}
