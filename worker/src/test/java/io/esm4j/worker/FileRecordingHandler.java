package io.esm4j.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A Java Lambda handler for worker processes started by tests: appends each message body as a line to the file named
 * by the system property {@code esm4j.test.handled}, which the test reads, after a line {@code function=<the
 * context's function name>}; {@code esm4j.test.pauseMillis} makes each
 * invocation take that long.
 */
public final class FileRecordingHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        long pause = Long.getLong("esm4j.test.pauseMillis", 0);
        if (pause > 0) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        record(event, context.getFunctionName());
        return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
    }

    private static synchronized void record(SQSEvent event, String functionName) {
        StringBuilder lines = new StringBuilder("function=").append(functionName).append('\n');
        event.getRecords().forEach(message -> lines.append(message.getBody()).append('\n'));
        try {
            Files.writeString(Path.of(System.getProperty("esm4j.test.handled")), lines, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
