package io.esm4j.sqs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * Watches the ReceiveMessage calls of a client: how many are running, and which threads made them (the synchronous
 * client runs interceptors on the calling thread).
 */
final class ReceiveCounter implements ExecutionInterceptor {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<Thread> receivingThreads = ConcurrentHashMap.newKeySet();

    int inFlight() {
        return inFlight.get();
    }

    /** Every thread that has called ReceiveMessage through this client. */
    Set<Thread> receivingThreads() {
        return Set.copyOf(receivingThreads);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof ReceiveMessageRequest) {
            receivingThreads.add(Thread.currentThread());
            inFlight.incrementAndGet();
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof ReceiveMessageRequest) {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof ReceiveMessageRequest) {
            inFlight.decrementAndGet();
        }
    }
}
