package io.esm4j.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.concurrent.CountDownLatch;

/**
 * A Java handler whose construction by a mapping's start (on the supervisor's {@code start-<uuid>} thread) waits until
 * {@link #release()}, so a test can see the mapping while the worker is still starting it. The constructions an API
 * call makes to check the mapping, on the HTTP server's threads, do not wait.
 */
public final class HeldStartHandler implements RequestHandler<Object, Object> {

    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);

    /** Makes the next start wait again; returns a latch that opens when one has begun. */
    static CountDownLatch reset() {
        release = new CountDownLatch(1);
        entered = new CountDownLatch(1);
        return entered;
    }

    static void release() {
        release.countDown();
    }

    public HeldStartHandler() throws InterruptedException {
        if (Thread.currentThread().getName().startsWith("start-")) {
            CountDownLatch held = release;
            entered.countDown();
            held.await();
        }
    }

    @Override
    public Object handleRequest(Object input, Context context) {
        return input;
    }
}
