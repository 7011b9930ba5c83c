package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README example prints the failure record the queue received, not nothing. */
class SinksExampleTest {

    @Test
    void printsTheInvocationsAndTheFailureRecordTheQueueReceived() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        SinksExample.run(new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("invoke [order-3] -> fails")
                .contains("the queue received 1 message(s):")
                .contains("\"condition\" : \"RetryAttemptsExhausted\"")
                .contains("\"KinesisBatchInfo\" : {")
                .contains("\"batchSize\" : 1")
                .contains("final checkpoints: {shardId-000000000000=");
    }
}
