package io.esm4j.kinesis;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.MappingLogName;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.AccessDeniedException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.StreamDescriptionSummary;

/**
 * What DescribeStreamSummary says about a {@link KinesisStreamSource}'s stream, read again with every shard listing:
 * its retention period, and its creation time, which changes when the stream is deleted and created again under the
 * same name.
 */
final class StreamLifecycle {

    /**
     * Kinesis's default retention, and its minimum: assumed until DescribeStreamSummary has answered, and for good if
     * the client may not call it.
     */
    static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /** The source's logger: these lines are the source's, and users configure and filter them by its name. */
    private static final Logger LOG = LoggerFactory.getLogger(KinesisStreamSource.class);

    private final KinesisClient client;
    private final StreamArn arn;
    private volatile Duration retention;
    /** False once DescribeStreamSummary was denied: the source then stops asking. */
    private volatile boolean retentionReadable = true;
    /** DescribeStreamSummary failing round after round (a deleted stream): one WARN, then a summary now and then. */
    private final FailureRun summaryFailures = new FailureRun();
    /**
     * The stream's creation time when the source first read it, and as last read: they differ once it was recreated.
     * The listing and a reader's check ({@link #recreationNow()}) may read it at once: whichever swaps the new time in
     * logs the recreation.
     */
    private volatile @Nullable Instant firstCreated;
    private final AtomicReference<@Nullable Instant> created;

    /**
     * @param retention as read when the source was built, or {@link #DEFAULT_RETENTION}
     * @param created   the stream's creation time as read when the source was built, or null if it was not read
     */
    StreamLifecycle(KinesisClient client, StreamArn arn, Duration retention, @Nullable Instant created) {
        this.client = client;
        this.arn = arn;
        this.retention = retention;
        this.firstCreated = created;
        this.created = new AtomicReference<>(created);
    }

    /** The retention period as last read. */
    Duration retention() {
        return retention;
    }

    /**
     * A failed read keeps the retention read last: the listing, which the engine retries, does not fail for it. A
     * denied read (AccessDeniedException) is not tried again.
     */
    void refresh() {
        if (!retentionReadable) {
            return;
        }
        try {
            StreamDescriptionSummary summary = client.describeStreamSummary(r -> r.streamARN(arn.text()))
                    .streamDescriptionSummary();
            Integer hours = summary.retentionPeriodHours();
            if (hours != null) {
                retention = Duration.ofHours(hours);
            }
            noteCreated(summary.streamCreationTimestamp());
            int ended = summaryFailures.succeeded();
            if (FailureRun.logRecovery(ended)) {
                MappingLogName.named(LOG.atInfo()).addKeyValue("stream", arn.text())
                        .addKeyValue("failuresInARow", ended)
                        .log("DescribeStreamSummary works again");
            }
        } catch (KinesisException e) {
            if (denied(e)) {
                retentionReadable = false;
                MappingLogName.named(LOG.atWarn()).addKeyValue("stream", arn.text()).addKeyValue("retention", retention)
                        .addKeyValue("error", e.getMessage())
                        .log("DescribeStreamSummary is not permitted; records are treated as expired after this "
                                + "retention");
            } else {
                keepRetention(e);
            }
        } catch (SdkException e) {
            keepRetention(e);
        }
    }

    /**
     * Kinesis answers a call the credentials may not make with HTTP 400 and {@code AccessDeniedException}, not 403; a
     * 403 (a refused signature) is taken as denied as well.
     */
    private static boolean denied(KinesisException e) {
        return e instanceof AccessDeniedException || e.statusCode() == 403
                || e.awsErrorDetails() != null && "AccessDeniedException".equals(e.awsErrorDetails().errorCode());
    }

    /**
     * Logged at a bounded rate: a deleted stream fails this call in every listing round, and the listing's own failure
     * (reported by the engine) says the rest.
     */
    private void keepRetention(SdkException e) {
        MappingLogName.named(FailureRun.log(LOG, summaryFailures.failed(), e, true)).addKeyValue("stream", arn.text())
                .addKeyValue("retention", retention)
                .log("DescribeStreamSummary failed; the retention read last still applies");
    }

    private void noteCreated(@Nullable Instant at) {
        if (at == null) {
            return;
        }
        Instant previous = created.getAndSet(at);
        if (firstCreated == null) {
            firstCreated = at;
        } else if (!at.equals(previous) && !at.equals(firstCreated)) {
            MappingLogName.named(LOG.atError()).addKeyValue("stream", arn.text()).addKeyValue("created", at)
                    .addKeyValue("firstCreated", firstCreated)
                    .log("the stream was deleted and created again under the same name; the mapping's checkpoints "
                            + "are positions of the old stream and cannot be read from the new one");
        }
    }

    /**
     * Why positions of this stream's checkpoints may be unreadable: the stream was deleted and created again since the
     * source first read it (its creation time changed); null if the source has not seen that.
     */
    @Nullable String recreation() {
        Instant first = firstCreated;
        Instant last = created.get();
        return first != null && last != null && !first.equals(last)
                ? "stream " + arn.text() + " was deleted and created again (created " + last + "; the mapping began "
                        + "on the stream created " + first + ")"
                : null;
    }

    /**
     * {@link #recreation()} after reading the stream's creation time again: for a reader that found a checkpoint of
     * another stream, which may come from a listing made after the recreation that this source has not seen yet.
     */
    @Nullable String recreationNow() {
        refresh();
        return recreation();
    }
}
