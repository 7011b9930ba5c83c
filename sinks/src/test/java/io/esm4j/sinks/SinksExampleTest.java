package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README example prints, for each destination, the failure record it received, not nothing. */
class SinksExampleTest {

    @Test
    void printsTheInvocationsAndWhatEachDestinationReceived() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        SinksExample.run(new PrintStream(printed, true, StandardCharsets.UTF_8));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(output)
                .contains("invoke [order-3] -> fails")
                .contains("the queue received a message; its body:")
                .contains("the topic received a message with 0 message attributes; its body:")
                .containsPattern("the bucket received aws/lambda/[0-9a-f-]{36}/shardId-000000000000/"
                        + "\\d{4}/\\d\\d/\\d\\d/\\d{4}-\\d\\d-\\d\\dT\\d\\d\\.\\d\\d\\.\\d\\d-[0-9a-f-]{36} \\(application/json\\)")
                .contains("\"payload\" : \"<below>\"")
                .contains("\"eventSource\" : \"aws:kinesis\"")
                .contains("\"data\" : \"b3JkZXItMw==\"")
                .doesNotContain("nothing was delivered");
        assertThat(output.split("\"condition\" : \"RetryAttemptsExhausted\"", -1)).hasSize(4);
        assertThat(output.split("\"batchSize\" : 1", -1)).hasSize(4);
        assertThat(output.split("final checkpoints: \\{shardId-000000000000=", -1)).hasSize(4);
    }
}
