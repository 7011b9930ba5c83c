package io.esm4j.worker.mappings;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How reads of a shared mapping store are going: failures over the worker's life and the current problem, for the
 * status page and metrics. A store that stays unreachable fails every refresh (every few seconds, and before each API
 * call): the first failure of a run is a warning, the rest are debug lines, and the recovery is logged with how many
 * there were.
 */
final class RefreshHealth {

    private static final Logger LOG = LoggerFactory.getLogger(MappingRegistry.class);

    private final String location;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<@Nullable String> problem = new AtomicReference<>();
    /** Whether a read of the whole store has worked since the worker started. */
    private final AtomicBoolean readOnce = new AtomicBoolean();
    /** Stored mappings this worker cannot run, by UUID: the revision last counted. */
    private final Map<String, Long> notRunnable = new ConcurrentHashMap<>();

    /** @param location where the mappings are kept, for logs and the problem's text */
    RefreshHealth(String location) {
        this.location = location;
    }

    /** A read of the whole store worked: a problem shown until now is over. */
    void succeeded() {
        readOnce.set(true);
        if (problem.getAndSet(null) != null) {
            LOG.info("mapping refresh works again store={} failures={}", location, failures.get());
        }
    }

    /** A read of the whole store failed; it is tried again at the next refresh. */
    void failed(Throwable error) {
        long count = failures.incrementAndGet();
        String before = problem.getAndSet("cannot read the mappings in " + location + ": " + error);
        if (before == null) {
            LOG.warn("mapping refresh failed, retried every {} s; said again only when it works store={} "
                    + "failures={} error={}", MappingRegistry.REFRESH.toSeconds(), location, count, error.toString());
        } else {
            LOG.debug("mapping refresh failed again store={} failures={} error={}", location, count, error.toString());
        }
    }

    /**
     * One stored mapping could not be run here; the others were applied. Each refresh meets it again (every few
     * seconds, for as long as it is stored), so it is counted, and to be logged, once a revision.
     *
     * @return true the first time for this revision
     */
    boolean mappingFailed(String uuid, long revision) {
        Long before = notRunnable.put(uuid, revision);
        if (before != null && before == revision) {
            return false;
        }
        failures.incrementAndGet();
        return true;
    }

    /** After a read of the store: forgets the mappings that are no longer stored. */
    void stillStored(Set<String> uuids) {
        notRunnable.keySet().retainAll(uuids);
    }

    /** True once a read of the whole store has worked: until then the worker does not know which mappings to run. */
    boolean readOnce() {
        return readOnce.get();
    }

    long failures() {
        return failures.get();
    }

    @Nullable String problem() {
        return problem.get();
    }
}
