package io.esm4j.dynamodb;

import io.esm4j.testsupport.Dynalite;
import java.net.URI;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One dynalite for the whole test run: started by the first class that needs it, stopped when JUnit closes its root
 * store after the last test (whether tests failed or not). Classes keep apart by using tables of their own.
 */
final class DynaliteExtension implements BeforeAllCallback {

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
        ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
        Running running = store.computeIfAbsent(KEY, key -> {
            try {
                return new Running(Dynalite.start());
            } catch (Exception e) {
                throw new IllegalStateException("dynalite did not start", e);
            }
        }, Running.class);
        endpoint = running.dynalite().endpoint();
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
