package io.esm4j.sinks;

/** Closes test servers and clients in @AfterAll: each one, even when an earlier one fails. */
public final class Closer {

    private Closer() {}

    /** Closes the non-null resources in order; throws the first failure with the later ones suppressed. */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
