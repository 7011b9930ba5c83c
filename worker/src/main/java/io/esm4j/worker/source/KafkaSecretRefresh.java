package io.esm4j.worker.source;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.kafka.KafkaAuthResults;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka mapping that takes up a rotated Secrets Manager secret while it runs. A Kafka client authenticates each
 * connection with the credentials it was built with: after a rotation, connections already open may go on, but every
 * new one (a reconnect, a broker restart, a re-authentication the broker asks for) is refused, and the consumer would
 * retry with the old credentials for ever. So, while the mapping reports a problem, a thread of its own re-reads the
 * mapping's secrets (at once, then after 1, 2, 4 ... at most 60 seconds while the problem lasts and they are
 * unchanged; never while the mapping works) and compares them with those it was built with. When one changed, it
 * stops the mapping (a stop as any other: in-flight batches finish, done offsets are committed, for at most
 * {@link #REBUILD_STOP_TIMEOUT}) and builds and starts it anew with the secrets as they are now, in the same consumer
 * group. Meanwhile the state is Enabling and the reason the problem that led to it; Lambda's authentication message
 * (a {@link KafkaAuthResults} text) stays the last processing result until the new mapping works, and is then not
 * carried further. Only SHA-256 digests of the
 * secrets are kept here, and neither they nor the values are logged; logs name the secrets' ARNs.
 */
final class KafkaSecretRefresh implements RunningMapping {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSecretRefresh.class);
    static final Duration CHECK_TICK = Duration.ofSeconds(1);
    static final Duration RECHECK_MIN = Duration.ofSeconds(1);
    static final Duration RECHECK_MAX = Duration.ofSeconds(60);
    static final Duration REBUILD_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final String PROBLEM = "PROBLEM";
    private static final String NO_RECORDS_PROCESSED = "No records processed";

    /** One build of the mapping, with the digests (by ARN) of the secrets it read. */
    record Built(RunningMapping mapping, Map<String, String> secretDigests) {
    }

    /** Builds the mapping anew, reading its secrets (and, for MSK, its brokers) again. */
    @FunctionalInterface
    interface Builder {
        Built build() throws Exception;
    }

    /** The digests of these secrets as Secrets Manager has them now. */
    @FunctionalInterface
    interface Digests {
        Map<String, String> read(Set<String> arns) throws Exception;
    }

    private final String name;
    private final Builder builder;
    private final Digests digests;
    /** Guards the hand-over between the watcher's rebuild and stop(); never held across I/O or a mapping's stop. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Built current;
    /** The mapping was stopped for a rebuild whose successor has not started yet. */
    private volatile boolean rebuilding;
    private volatile boolean stopping;
    /** The problem that led to the last rebuild: the reason until the successor runs or reports its own problem. */
    private volatile @Nullable String carriedProblem;
    /**
     * The last processing result of the mappings before the current one (or the current one's, sampled by the
     * watcher): never one of Lambda's authentication messages, which a working mapping no longer shows.
     */
    private volatile String previousResult = NO_RECORDS_PROCESSED;
    /** The authentication message the mapping before a rebuild showed: shown until the successor works. */
    private volatile @Nullable String carriedAuthResult;
    private @Nullable Thread watcher;

    KafkaSecretRefresh(String name, Built first, Builder builder, Digests digests) {
        this.name = name;
        this.current = first;
        this.builder = builder;
        this.digests = digests;
    }

    /** The SHA-256 of a secret's value, hex: what is kept to tell a changed secret. */
    static String digest(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256, which every Java runtime must have", e);
        }
    }

    @Override
    public void start() {
        current.mapping().start();
        lock.lock();
        try {
            if (!stopping) {
                // watch() handles every exception itself; an Error ending it is logged, not lost.
                watcher = Thread.ofVirtual().name("kafka-secrets-" + name)
                        .uncaughtExceptionHandler((thread, e) -> LOG.atError().addKeyValue("mapping", name)
                                .setCause(e).log("the mapping's secret watcher ended: a rotated secret is no longer "
                                        + "taken up until the mapping restarts"))
                        .start(this::watch);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void stop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread running;
        lock.lock();
        try {
            stopping = true;
            running = watcher;
        } finally {
            lock.unlock();
        }
        if (running != null) {
            // Only this interrupts the watcher: it ends its wait, its secret read or its stop of the old mapping (which
            // goes on, and which the stop below waits for). A rebuild it finishes later is never started.
            running.interrupt();
            running.join(remaining(deadline));
        }
        try {
            current.mapping().stop(remaining(deadline));
        } finally {
            rebuilding = false;
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public MappingState state() {
        return rebuilding ? MappingState.ENABLING : current.mapping().state();
    }

    @Override
    public String stateTransitionReason() {
        RunningMapping mapping = current.mapping();
        String own = mapping.stateTransitionReason();
        String carried = carriedProblem;
        if (carried != null && !stopping && (rebuilding
                || mapping.state() != MappingState.ENABLED && !own.startsWith(PROBLEM))) {
            return carried;
        }
        return own;
    }

    @Override
    public String lastProcessingResult() {
        String own = current.mapping().lastProcessingResult();
        if (!own.equals(NO_RECORDS_PROCESSED)) {
            return own;
        }
        String carried = carriedAuthResult;
        return carried != null ? carried : previousResult;
    }

    @Override
    public List<ShardStatus> shards() {
        return current.mapping().shards();
    }

    /** The watcher thread: ends when stop() interrupts it; any other failure is logged and tried again later. */
    private void watch() {
        Duration backoff = RECHECK_MIN;
        long nextCheck = System.nanoTime();
        while (!stopping) {
            try {
                Thread.sleep(CHECK_TICK);
                Built built = current;
                if (!rebuilding) {
                    // What the mapping showed before its cluster refused it, for its successor to carry over.
                    keepResult(built.mapping());
                }
                if (!rebuilding && !built.mapping().stateTransitionReason().startsWith(PROBLEM)) {
                    if (built.mapping().state() == MappingState.ENABLED) {
                        carriedProblem = null;
                        carriedAuthResult = null;
                    }
                    backoff = RECHECK_MIN;
                    nextCheck = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - nextCheck < 0) {
                    continue;
                }
                if (rebuilding || changed(built)) {
                    rebuild(built);
                    backoff = RECHECK_MIN;
                    nextCheck = System.nanoTime();
                } else {
                    nextCheck = System.nanoTime() + backoff.toNanos();
                    backoff = longer(backoff);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // A secret that cannot be read now, a rebuild that failed: the next try comes after the backoff. The
                // error names the secret's ARN, never its value.
                if (rebuilding) {
                    carriedProblem = "PROBLEM: restarting the Kafka consumer with a changed secret failed: " + e;
                }
                LOG.atWarn().addKeyValue("mapping", name).addKeyValue("rebuilding", rebuilding)
                        .addKeyValue("retryInMs", backoff.toMillis()).addKeyValue("error", e.toString())
                        .log("checking the mapping's secrets or restarting its consumer with them failed");
                nextCheck = System.nanoTime() + backoff.toNanos();
                backoff = longer(backoff);
            }
        }
    }

    private static Duration longer(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(RECHECK_MAX) > 0 ? RECHECK_MAX : doubled;
    }

    private boolean changed(Built built) throws Exception {
        Map<String, String> now = digests.read(built.secretDigests().keySet());
        Set<String> changed = new TreeSet<>();
        built.secretDigests().forEach((arn, digest) -> {
            if (!digest.equals(now.get(arn))) {
                changed.add(arn);
            }
        });
        if (!changed.isEmpty()) {
            LOG.atInfo().addKeyValue("mapping", name).addKeyValue("secrets", changed)
                    .log("a secret of the mapping changed while it reported a problem; restarting its consumer");
        }
        return !changed.isEmpty();
    }

    /**
     * Stops the mapping (unless a failed rebuild stopped it already), builds it anew and starts it, unless stop()
     * came meanwhile.
     */
    private void rebuild(Built old) throws Exception {
        if (!rebuilding) {
            carriedProblem = old.mapping().stateTransitionReason() + " (a secret changed: restarting the consumer "
                    + "with it)";
            rebuilding = true;
            keepResult(old.mapping());
            old.mapping().stop(REBUILD_STOP_TIMEOUT);
        }
        Built next = builder.build();
        boolean install;
        lock.lock();
        try {
            install = !stopping;
            if (install) {
                current = next;
            }
        } finally {
            lock.unlock();
        }
        if (!install) {
            // Built for nothing: stopped before it started, which also closes its failure topic's producer.
            next.mapping().stop(Duration.ZERO);
            return;
        }
        try {
            next.mapping().start();
        } catch (RuntimeException e) {
            // Stopped by its failed start (esm-core does so): built and started again after the backoff.
            keepResult(next.mapping());
            throw e;
        }
        rebuilding = false;
        LOG.atInfo().addKeyValue("mapping", name).log("Kafka consumer restarted with the mapping's current secrets");
    }

    private void keepResult(RunningMapping mapping) {
        String result = mapping.lastProcessingResult();
        if (KafkaAuthResults.isOne(result)) {
            carriedAuthResult = result;
        } else if (!result.equals(NO_RECORDS_PROCESSED)) {
            previousResult = result;
        }
    }
}
