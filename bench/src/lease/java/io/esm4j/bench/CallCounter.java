package io.esm4j.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * On one SDK client: counts its API calls by operation (one per call, however often the SDK retries it), and can
 * cut the client off, as a network cut would: every later call fails before it is sent, so a worker cut off on both
 * its clients can neither renew nor release its leases (abandoned).
 */
final class CallCounter implements ExecutionInterceptor {

    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private volatile boolean cut;

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (cut) {
            throw SdkClientException.create("cut off by the bench");
        }
        calls.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), o -> new LongAdder())
                .increment();
    }

    void cut() {
        cut = true;
    }

    void reset() {
        calls.clear();
    }

    /** Calls by operation since the last reset. */
    Map<String, Long> calls() {
        Map<String, Long> counts = new TreeMap<>();
        calls.forEach((operation, n) -> counts.put(operation, n.sum()));
        return counts;
    }

    /** The sum of several counters' calls, by operation. */
    static Map<String, Long> sum(Iterable<CallCounter> counters) {
        Map<String, Long> sum = new TreeMap<>();
        for (CallCounter counter : counters) {
            counter.calls().forEach((operation, n) -> sum.merge(operation, n, Long::sum));
        }
        return sum;
    }
}
