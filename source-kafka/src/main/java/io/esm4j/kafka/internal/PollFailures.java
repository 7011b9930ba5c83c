package io.esm4j.kafka.internal;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the mapping's status, metrics and log say about its polls: a failed poll is counted in PollingErrorCount and
 * shown as the consumer's problem (and as Lambda's message, if the cluster refused the mapping) until a poll works
 * again, and logged as one run ({@link FailureRun}: a broker down fails every poll, with backoff, for as long as it
 * is). Whether a poll that returned counts as working is the {@link PollLoop}'s call ({@link TopicRefusals},
 * {@link ConnectionErrors}). Poll thread only.
 */
final class PollFailures {

    private static final Logger LOG = LoggerFactory.getLogger(PollFailures.class);
    private static final String COMPONENT = "consumer";

    private final StreamContext<KafkaRecord> ctx;
    private final AuthResults authResults;
    /**
     * Whether the consumer's problem shows: after a failed poll, and after a refused probe, which is no failed poll (a
     * refusal that only a start's lookup met is probed with no poll failing before).
     */
    private boolean shown;
    private int inARow;
    private final FailureRun run = new FailureRun();

    PollFailures(StreamContext<KafkaRecord> ctx, AuthResults authResults) {
        this.ctx = ctx;
        this.authResults = authResults;
    }

    /** A poll failed: counted, shown and logged; returns the failures in a row, this one included, for the backoff. */
    int failed(RuntimeException e) {
        inARow++;
        ctx.metrics().pollingErrors.increment();
        show(e);
        FailureRun.log(LOG, run.failed(), e, true).addKeyValue("mapping", ctx.mappingName())
                .log("poll failed; retrying with backoff");
        return inARow;
    }

    /** A refused topic's probe was refused again: shown and counted as a failed poll, without its wait. */
    void probeRefused(TopicAuthorizationException e) {
        ctx.metrics().pollingErrors.increment();
        show(e);
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("topics", e.unauthorizedTopics())
                .log("topics still refused for authorization; probed again after a backoff");
    }

    /** A poll works: the failed polls' problem and Lambda's message go. After every poll, so nothing is allocated. */
    void worked() {
        if (shown) {
            shown = false;
            ctx.status().resolved(COMPONENT);
            if (inARow > 0) {
                inARow = 0;
                int ended = run.succeeded();
                if (FailureRun.logRecovery(ended)) {
                    LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("failuresInARow", ended)
                            .log("polling works again");
                }
            }
        }
        authResults.takeBack(COMPONENT);
    }

    private void show(RuntimeException e) {
        shown = true;
        ctx.status().problem(COMPONENT, "PROBLEM: polling Kafka failed: " + Fatal.describe(e));
        KafkaAuthResults.ofPollFailure(e).ifPresent(message -> authResults.show(COMPONENT, message));
    }
}
