package io.esm4j.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.concurrent.CountDownLatch;

/**
 * A Java handler whose constructor hangs when a mapping starts (as one that opens a connection to a server that does
 * not answer would), and ignores interrupts while it does. The worker also makes one when it checks the mappings
 * file or an API call's mapping; only constructions on a mapping's start thread (the supervisor's
 * {@code start-<uuid>}) hang, until {@link #release()}, so a test can also see the mapping while the worker is still
 * starting it.
 */
public final class StuckStartHandler implements RequestHandler<Object, Object> {

    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);

    /** Makes the next start hang again; returns a latch that opens when one has begun. */
    static CountDownLatch reset() {
        release = new CountDownLatch(1);
        entered = new CountDownLatch(1);
        return entered;
    }

    static void release() {
        release.countDown();
    }

    public StuckStartHandler() {
        if (!Thread.currentThread().getName().startsWith("start-")) {
            return;
        }
        entered.countDown();
        boolean interrupted = false;
        while (true) {
            try {
                release.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Object handleRequest(Object input, Context context) {
        return input;
    }
}
