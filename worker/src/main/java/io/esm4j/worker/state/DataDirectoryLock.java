package io.esm4j.worker.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a data directory to one worker at a time. {@link FileLeaseStore} and {@link
 * io.esm4j.worker.mappings.FileMappingStore} take their file as theirs alone: two workers on one directory (two
 * replicas sharing a volume, two processes started in one folder) would each run every shard of every stream, each
 * from its own copy of the checkpoints, and overwrite each other's file. The lock is the operating system's on
 * {@value #FILE} (released when the process ends, however it ends), held from the start until {@link #close()}.
 */
final class DataDirectoryLock implements AutoCloseable {

    static final String FILE = "worker.lock";
    private static final Logger LOG = LoggerFactory.getLogger(DataDirectoryLock.class);

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * The directory's lock; nothing (and a warning) when the lock file cannot be made, as in a read-only directory: a
     * worker that only reads SQS queues named in its file writes nothing there and ran on a read-only file system
     * before the lock existed, and a store that does write there fails at its first write, naming the file, as before.
     */
    static AutoCloseable take(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve(FILE);
        FileChannel channel;
        try {
            Files.createDirectories(dataDirectory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            LOG.atWarn().addKeyValue("dataDirectory", dataDirectory.toAbsolutePath()).addKeyValue("error", e.toString())
                    .log("cannot lock the data directory (read-only?): nothing keeps a second worker off it");
            return () -> { };
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // Another worker of this JVM holds it.
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("The data directory " + dataDirectory.toAbsolutePath() + " is in use by another "
                    + "worker (it holds " + FILE + "). Expected a data directory of this worker's own: give each "
                    + "worker its own --data-dir, or share leases and mappings through --lease-table/--lease-redis "
                    + "and --mapping-table/--mapping-redis.");
        }
        return new DataDirectoryLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
