package io.esm4j.kinesis;

import io.esm4j.stream.ReadStart;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.kinesis.model.SubscribeToShardEvent;

/**
 * What one SubscribeToShard event means for reading the shard on: where the next subscription starts, whether the
 * shard is read to its end, and whether to ask GetRecords if it is. Kept apart from the fan-out reader's locking and
 * buffering so that the cases Kinesis leaves to interpretation (no continuation without child shards, a
 * subscription resuming inside a KPL aggregate) can be tested one event at a time.
 *
 * @param resumeAt       where the next subscription starts, or null where the current place stands
 * @param shardEnded     the event names child shards: the shard is read to its end
 * @param noContinuation the event has neither a continuation sequence number nor child shards: nothing follows,
 *                       but Kinesis has not said that the shard ended, so GetRecords is asked
 * @param caughtUp       the event has no records: the subscription has caught up with the shard
 */
record FanOutEventOutcome(@Nullable ReadStart resumeAt, boolean shardEnded, boolean noContinuation,
                          boolean caughtUp) {

    /**
     * The outcome of {@code event}, delivered by a subscription that started at {@code subscriptionStart};
     * {@code recordsSeen} says whether that subscription has delivered records, in this event or an earlier one.
     */
    static FanOutEventOutcome of(SubscribeToShardEvent event, ReadStart subscriptionStart, boolean recordsSeen) {
        boolean empty = event.records().isEmpty();
        String continuation = event.continuationSequenceNumber();
        if (continuation != null) {
            // Until a subscription that resumes inside an aggregate has delivered it, its start stays the place to
            // resume: only then are the aggregate's delivered sub-records dropped again.
            boolean moveOn = recordsSeen || !resumesInsideAggregate(subscriptionStart);
            return new FanOutEventOutcome(moveOn ? new ReadStart.AfterSequenceNumber(continuation) : null, false,
                    false, empty);
        }
        if (event.hasChildShards() && !event.childShards().isEmpty()) {
            return new FanOutEventOutcome(null, true, false, empty);
        }
        // No continuation means nothing follows (the KCL takes it for the shard's end), but without child shards
        // Kinesis has not said so: resume after this event's records, never at them again, and ask GetRecords
        // whether anything is left.
        ReadStart afterRecords = empty ? null
                : new ReadStart.AfterSequenceNumber(event.records().getLast().sequenceNumber());
        return new FanOutEventOutcome(afterRecords, false, true, empty);
    }

    private static boolean resumesInsideAggregate(ReadStart start) {
        return start instanceof ReadStart.AfterSequenceNumber after
                && KinesisPosition.parse(after.sequenceNumber()).aggregated();
    }
}
