package io.esm4j.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.concurrent.CountDownLatch;

/**
 * A Java handler whose construction a test can hold: the worker makes one when it checks a mapping that an API call
 * creates, so a held construction keeps that call in flight, past the draining filter and before the mapping store.
 */
public final class HeldConstructionHandler implements RequestHandler<Object, Object> {

    private static volatile CountDownLatch entered = new CountDownLatch(0);
    private static volatile CountDownLatch release = new CountDownLatch(0);

    /** The next construction waits for {@link #release()}; returns a latch that opens when it has begun. */
    static CountDownLatch holdNext() {
        release = new CountDownLatch(1);
        entered = new CountDownLatch(1);
        return entered;
    }

    static void release() {
        release.countDown();
    }

    public HeldConstructionHandler() throws InterruptedException {
        CountDownLatch held = release;
        if (entered.getCount() > 0) {
            entered.countDown();
            held.await();
        }
    }

    @Override
    public Object handleRequest(Object input, Context context) {
        return input;
    }
}
