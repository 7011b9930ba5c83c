package io.esm4j.worker.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The JSON files of the worker's data directory ({@code leases.json}, {@code mappings.json}): each write replaces the
 * whole file so that a crash, even a power cut, leaves the old content or the new, never an empty or partial file;
 * a read refuses a file that is empty or not a JSON object instead of taking it for "nothing stored".
 */
public final class DataFiles {

    /**
     * How long closing a store of the data directory waits for its file write in progress; a write of a local file
     * takes milliseconds, so one that has not ended by then is stuck (a hung disk), and the worker keeps the lock.
     */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private DataFiles() {}

    /** How a store writes its file: {@link #replace}; a test gives one that holds a write in progress. */
    @FunctionalInterface
    public interface Writer {
        void replace(Path file, byte[] content) throws IOException;
    }

    /** The error of a write to a store that has been closed, naming its file. */
    public static IOException closed(Path file) {
        return new IOException("Cannot write " + file + ": the worker is stopping and has closed it, to let the data "
                + "directory go (another worker may start there and write it). Expected no writes after the worker's "
                + "API calls and mappings stopped; this change is not stored.");
    }

    /**
     * Closing a store, under its lock: waits until its file write in progress has ended ({@code writing} false), at
     * most {@link #CLOSE_WAIT}; an {@link IOException} naming the file when it still runs then.
     */
    public static void awaitWriteEnded(Path file, Condition ended, BooleanSupplier writing)
            throws IOException, InterruptedException {
        long left = CLOSE_WAIT.toNanos();
        while (writing.getAsBoolean()) {
            if (left <= 0) {
                throw new IOException("A write of " + file + " still runs " + CLOSE_WAIT.toSeconds() + " s after the "
                        + "store was closed. Expected a local file write to end by then.");
            }
            left = ended.awaitNanos(left);
        }
    }

    /**
     * Writes {@code content} to a temporary file, forces it to disk, moves it over {@code file} and forces the
     * directory. Without the first force a file system that writes data after metadata (XFS, ext4 without
     * auto_da_alloc, many others) can show the new name with no data after a power cut; without the second the move
     * itself may be lost, and a write the caller was told had succeeded is gone.
     */
    public static void replace(Path file, byte[] content) throws IOException {
        Path directory = Objects.requireNonNull(file.toAbsolutePath().getParent(), "a file is in a directory");
        Files.createDirectories(directory);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer bytes = ByteBuffer.wrap(content);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory(directory);
    }

    /**
     * The file's JSON object, or null when there is no file. An empty file or one that is not a JSON object is an
     * error naming the file: read as "nothing stored", it would start every shard over at its starting position, or
     * drop every mapping, and the next write would make that final.
     */
    public static @Nullable JsonNode read(Path file, ObjectMapper json) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        JsonNode root = json.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IOException(file + " holds " + (root == null || root.isMissingNode() ? "nothing (an empty file)"
                    : "a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)) + ". Expected the JSON "
                    + "object the worker writes there; restore the file from a backup, or delete it to start without "
                    + "what it held.");
        }
        return root;
    }

    /** Makes a rename in the directory durable. */
    private static void forceDirectory(Path directory) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel, and needs not: NTFS journals the rename itself.
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }
}
