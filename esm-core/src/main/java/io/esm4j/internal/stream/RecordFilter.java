package io.esm4j.internal.stream;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.handler.RecordFailure;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mapping's filter criteria applied to stream records through the source's filter document. A record on which
 * the source's document or the criteria throw is not dropped and does not stop the reader: it goes to its lane
 * marked, and the lane treats it as a failing record (retry, bisect, give up).
 */
public final class RecordFilter<T> {

    private static final Logger LOG = LoggerFactory.getLogger(RecordFilter.class);

    enum Outcome { MATCH, NO_MATCH, FAILED }

    private final FilterCriteria criteria;
    private final StreamSource<T> source;
    private final String mappingName;

    public RecordFilter(FilterCriteria criteria, StreamSource<T> source, String mappingName) {
        this.criteria = criteria;
        this.source = source;
        this.mappingName = mappingName;
    }

    boolean isEmpty() {
        return criteria.isEmpty();
    }

    /**
     * The outcome of each record, in order. A record its source rejected matches without being tested: it goes to its
     * lane, which gives it up (StreamRecord.rejected).
     */
    Outcome[] testAll(List<StreamRecord<T>> records) {
        Outcome[] outcomes = new Outcome[records.size()];
        for (int i = 0; i < outcomes.length; i++) {
            StreamRecord<T> record = records.get(i);
            outcomes[i] = record.rejection() != null ? Outcome.MATCH : test(record);
        }
        return outcomes;
    }

    private Outcome test(StreamRecord<T> record) {
        try {
            return matches(record) ? Outcome.MATCH : Outcome.NO_MATCH;
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("shardId", record.shardId())
                    .addKeyValue("sequenceNumber", record.sequenceNumber()).setCause(RecordFailure.of(e))
                    .log("filter criteria could not be evaluated; the record is retried like a failing one");
            return Outcome.FAILED;
        }
    }

    /** Evaluates once more, letting a failure through to the caller. */
    boolean matches(StreamRecord<T> record) {
        return criteria.isEmpty() || criteria.matches(source.filterDocument(record));
    }
}
