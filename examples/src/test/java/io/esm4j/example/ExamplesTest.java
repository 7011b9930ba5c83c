package io.esm4j.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's examples run to the end and print what they promise. */
class ExamplesTest {

    @FunctionalInterface
    private interface Main {
        void run() throws Exception;
    }

    private static String output(Main main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void poisonRecordExampleIsolatesThePoisonAndCheckpointsTheWholeShard() throws Exception {
        String printed = output(() -> PoisonRecordExample.main(new String[0]));

        assertThat(printed).contains("invoke   1 records  order-23  .. order-23")
                .contains("on-failure destination received:")
                .contains("\"condition\":\"RetryAttemptsExhausted\"")
                .contains("final checkpoints: {shardId-000000000000=")
                .contains("records left unprocessed: 0");
    }

    @Test
    void queueExampleEndsWithThePoisonMessageInTheDeadLetterQueue() throws Exception {
        String printed = output(() -> QueueExample.main(new String[0]));

        assertThat(printed).contains("payment-7 (malformed) (receive #3)")
                .contains("queue now holds 0 messages; dead-letter queue holds [payment-7 (malformed)");
    }
}
