package io.esm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A result a component holds shows over the batches' results until released; the batches' are kept meanwhile. */
class MappingStatusTest {

    @Test
    void aHeldResultShowsOverTheBatchesUntilReleasedAndTheLastBatchsShowsThen() {
        MappingStatus status = new MappingStatus();
        status.processed(MappingStatus.OK);
        status.hold("poll", "PROBLEM: Cluster failed to authorize Lambda.");
        status.processed(MappingStatus.FUNCTION_CALL_FAILED);
        assertThat(status.lastProcessingResult()).isEqualTo("PROBLEM: Cluster failed to authorize Lambda.");
        status.hold("commits", "PROBLEM: SASL authentication failed.");
        assertThat(status.lastProcessingResult()).as("the newest held")
                .isEqualTo("PROBLEM: SASL authentication failed.");
        status.release("commits");
        assertThat(status.lastProcessingResult()).isEqualTo("PROBLEM: Cluster failed to authorize Lambda.");
        status.release("poll");
        assertThat(status.lastProcessingResult()).isEqualTo(MappingStatus.FUNCTION_CALL_FAILED);
    }

    @Test
    void resolvingAComponentReleasesWhatItHeld() {
        MappingStatus status = new MappingStatus();
        status.problem("on-failure destination of s-1 lane 1", "PROBLEM: on-failure destination refused ...");
        status.hold("on-failure destination of s-1 lane 1", "PROBLEM: refused");
        status.hold("on-failure destination of s-2 lane 2", "PROBLEM: refused too");
        status.resolved("on-failure destination of s-2 lane 2");
        assertThat(status.lastProcessingResult()).isEqualTo("PROBLEM: refused");
        status.resolvedStartingWith("on-failure destination of s-1 ");
        assertThat(status.lastProcessingResult()).isEqualTo(MappingStatus.NO_RECORDS_PROCESSED);
    }
}
