package io.esm4j.worker.mappings;

import io.esm4j.worker.invoke.UninitializedClass;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A class whose static initializer failed: the one failure no restart of a mapping inside the process heals. The JVM
 * leaves such a class erroneous for the life of its class loader (JLS 12.4.2) and never runs the initializer again:
 * its first use throws {@code ExceptionInInitializerError}, every later one {@code NoClassDefFoundError: Could not
 * initialize class ...}. Only a new process (Lambda's new execution environment) runs it again.
 *
 * @param className the class, or null where only {@code ExceptionInInitializerError} is known (a fatal stop's reason
 *                  names the error, not the class; the next use's {@code NoClassDefFoundError} names it)
 */
record ClassInitFailure(@Nullable String className) {

    private static final String IN_INITIALIZER = ExceptionInInitializerError.class.getName();

    /** The class-initialization failure anywhere in the failure's cause chain, or null. */
    static @Nullable ClassInitFailure in(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            String uninitialized = UninitializedClass.of(t);
            if (uninitialized != null) {
                return new ClassInitFailure(uninitialized);
            }
            if (t instanceof ExceptionInInitializerError error) {
                return new ClassInitFailure(initializerOf(error.getCause()));
            }
        }
        return null;
    }

    /**
     * The class-initialization failure a status text names (esm-core's fatal stop gives its error as
     * {@code <class>: <message>}), or null.
     */
    static @Nullable ClassInitFailure in(String reason) {
        String named = UninitializedClass.in(reason);
        if (named != null) {
            return new ClassInitFailure(named);
        }
        return reason.contains(IN_INITIALIZER) ? new ClassInitFailure(null) : null;
    }

    /** The class whose static initializer threw {@code thrown}: the innermost initializer on its stack, if any. */
    private static @Nullable String initializerOf(@Nullable Throwable thrown) {
        if (thrown == null) {
            return null;
        }
        for (StackTraceElement frame : thrown.getStackTrace()) {
            if (frame.getMethodName().equals("<clinit>")) {
                return frame.getClassName();
            }
        }
        return null;
    }

    /** Of two sightings, the one that names the class: the newer if both do (it is the one the mapping meets now). */
    ClassInitFailure or(@Nullable ClassInitFailure earlier) {
        return earlier != null && className == null ? earlier : this;
    }

    /** What the mapping's reason and {@code /health/live} say: what failed and what heals it. */
    String advice() {
        return (className == null ? "a static initializer" : "the static initializer of " + className)
                + " failed, and the JVM never runs it again: restart the worker process (/health/live answers 503)";
    }
}
