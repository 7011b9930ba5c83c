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
 * by the system property {@code esm4j.test.handled}, which the test reads.
 */
public final class FileRecordingHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    @Override
    public synchronized SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        StringBuilder lines = new StringBuilder();
        event.getRecords().forEach(message -> lines.append(message.getBody()).append('\n'));
        try {
            Files.writeString(Path.of(System.getProperty("esm4j.test.handled")), lines, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
    }
}
