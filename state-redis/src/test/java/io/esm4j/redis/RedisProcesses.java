package io.esm4j.redis;

import io.esm4j.testsupport.FreePorts;
import java.io.IOException;
import redis.embedded.Redis;

/** Starting and stopping the redis-server processes of the tests' extensions. */
final class RedisProcesses {

    private static final int START_ATTEMPTS = 3;

    private RedisProcesses() {}

    /** Makes an unstarted process for a port. */
    @FunctionalInterface
    interface Build<R extends Redis> {
        R forPort(int port) throws IOException;
    }

    /** A started process on 127.0.0.1 and a free port. */
    static <R extends Redis> R start(Build<R> build) throws IOException {
        IOException last = null;
        // The free port is found before the server binds it: another process may take it in between, so try again.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            R candidate = build.forPort(FreePorts.distinct(1)[0]);
            try {
                candidate.start();
                return candidate;
            } catch (IOException | RuntimeException e) {
                stopQuietly(candidate);
                last = e instanceof IOException io ? io : new IOException(e);
            }
        }
        throw new IOException("redis-server did not start on 127.0.0.1 in " + START_ATTEMPTS + " attempts", last);
    }

    static void stopQuietly(Redis server) {
        try {
            server.stop();
        } catch (IOException e) {
            // It was not running, or is gone already.
        }
    }
}
