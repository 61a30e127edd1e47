package dev.flightdeck.daemon.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The exclusive claim of one daemon on a data directory: an OS file lock on
 * {@code <data-dir>/daemon.lock}, which also holds the owner's pid for the error message a second
 * daemon prints. The OS releases the lock when the process dies, however it dies.
 */
public final class DataDirLock implements AutoCloseable {
    public static final String LOCK_FILE = "daemon.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another process holds the data directory. */
    public static final class HeldException extends Exception {
        public HeldException(Path dataDir, String pid) {
            super("a daemon is already running on " + dataDir + " (pid " + pid + ")");
        }
    }

    /** Takes the lock, or fails naming the pid of the daemon that has it. */
    public static DataDirLock acquire(Path dataDir) throws IOException, HeldException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very JVM
        }
        if (lock == null) {
            String pid = readPid(channel).orElse("unknown");
            channel.close();
            throw new HeldException(dataDir, pid);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(true);
        return new DataDirLock(channel, lock);
    }

    private static Optional<String> readPid(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64);
        int n = channel.read(buf, 0);
        String text = n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    @Override
    public void close() throws IOException {
        if (lock.isValid()) {
            lock.release();
        }
        channel.close();
    }
}
