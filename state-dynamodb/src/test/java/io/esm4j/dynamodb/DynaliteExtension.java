package io.esm4j.dynamodb;

import io.esm4j.testsupport.Dynalite;
import java.net.URI;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One dynalite for the whole test run: started by the first class that needs it, stopped when JUnit closes its root
 * store after the last test (whether tests failed or not). Classes keep apart by using tables of their own.
 *
 * <p>dynalite is a test server, not the code under test, and once it ended on its own during a run (cause unknown:
 * its log was gone), which turned every later class into "Connection refused" errors. So each class checks that it
 * still runs: after a class, a dynalite that has ended is reported on stderr with the class's name, its exit code and
 * its log's tail (the log is kept); before a class, a fresh one is started in its place, so the failure stays with
 * the class it happened in.
 */
final class DynaliteExtension implements BeforeAllCallback, AfterAllCallback {

    private static final String KEY = "dynalite";
    private static volatile URI endpoint;

    /** What JUnit closes at the end of the run. */
    private record Running(Dynalite dynalite) implements AutoCloseable {
        @Override
        public void close() {
            dynalite.close();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = store(context);
        synchronized (DynaliteExtension.class) {
            Running previous = store.get(KEY, Running.class);
            if (previous != null && !previous.dynalite().running()) {
                System.err.println("dynalite had ended before " + context.getDisplayName()
                        + "; starting a new one. " + previous.dynalite().ended());
                store.remove(KEY, Running.class);
                previous.close();
            }
            Running running = store.computeIfAbsent(KEY, key -> {
                try {
                    return new Running(Dynalite.start());
                } catch (Exception e) {
                    throw new IllegalStateException("dynalite did not start", e);
                }
            }, Running.class);
            endpoint = running.dynalite().endpoint();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Running running = store(context).get(KEY, Running.class);
        if (running != null && !running.dynalite().running()) {
            System.err.println("dynalite ended during " + context.getDisplayName() + ": "
                    + running.dynalite().ended());
        }
    }

    private static ExtensionContext.Store store(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
    }

    /** The endpoint of the running dynalite; only inside a class extended with this. */
    static URI endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("dynalite is not running: expected the test class to be extended with "
                    + "DynaliteExtension (and @RequiresNode)");
        }
        return endpoint;
    }
}
