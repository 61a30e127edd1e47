package dev.flightdeck.daemon.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The daemon's write-ahead journal: every committed write transaction, appended to a file before
 * the database commit returns (ADR 0009). A {@code write(2)} that returned is in the kernel's page
 * cache and outlives a killed process, which H2 alone does not guarantee; on the next start the
 * transactions the database lost are replayed from here.
 *
 * <p>Files are segments named by their first transaction id ({@code 00000000000000000042.wal}).
 * When the active segment passes {@code segmentBytes} a new one is started; old segments are
 * deleted once two newer ones exist, they are older than {@code keepFor}, and every transaction
 * in them is in H2's file ({@link #checkpointed}: until a checkpoint, the journal is the only
 * durable copy of a commit, ADR 0013). Not thread-safe:
 * {@link Database} appends under its write lock.
 */
final class WriteJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteJournal.class);
    static final String SUFFIX = ".wal";

    private final Path dir;
    private final long segmentBytes;
    private final Duration keepFor;
    private FileChannel active;
    private Path activePath;
    private long activeSize;
    private long lastTxid;
    private long firstTxid = -1;
    /** Every transaction up to this one is in H2's file; only those may leave the journal. */
    private long checkpointedTxid;
    private String brokenBecause;

    private WriteJournal(Path dir, long segmentBytes, Duration keepFor) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.keepFor = keepFor;
    }

    /**
     * Opens the journal in {@code dir} (creating it), cutting off a torn record a killed process
     * left at the end of a segment, and returns it with the records after {@code appliedTxid}
     * (older ones are skipped without being decoded).
     */
    static Opened open(Path dir, long segmentBytes, Duration keepFor, long appliedTxid) {
        WriteJournal journal = new WriteJournal(dir, segmentBytes, keepFor);
        try {
            Files.createDirectories(dir);
            List<JournalRecord> records = new ArrayList<>();
            for (Path segment : journal.segments()) {
                journal.readSegment(segment, records, appliedTxid);
            }
            List<Path> segments = journal.segments();
            if (segments.isEmpty()) {
                journal.startSegment(1);
            } else {
                journal.activePath = segments.get(segments.size() - 1);
                journal.active = FileChannel.open(journal.activePath, StandardOpenOption.WRITE);
                journal.activeSize = journal.active.size();
            }
            return new Opened(journal, records);
        } catch (IOException e) {
            journal.close();
            throw new StoreException("cannot open the write journal in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A journal just opened, and the records it held. */
    record Opened(WriteJournal journal, List<JournalRecord> records) {
        /**
         * The committed transactions after {@code appliedTxid}, in order, without those an abort
         * note cancelled.
         */
        List<JournalRecord> committedAfter(long appliedTxid) {
            Set<Long> aborted = new HashSet<>();
            records.stream().filter(JournalRecord::aborted).forEach(r -> aborted.add(r.txid()));
            return records.stream()
                    .filter(r -> !r.aborted() && r.txid() > appliedTxid && !aborted.contains(r.txid()))
                    .toList();
        }
    }

    /** The id of the newest transaction in the journal (0 when it is empty). */
    long lastTxid() {
        return lastTxid;
    }

    /** Tells the journal that H2's file now holds every transaction up to {@code txid}. */
    void checkpointed(long txid) {
        checkpointedTxid = Math.max(checkpointedTxid, txid);
    }

    /** The id of the oldest transaction the journal still holds, or -1 when it is empty. */
    long firstTxid() {
        return firstTxid;
    }

    /**
     * Appends {@code record}. When this returns the record survives the process being killed.
     * A failed append is cut off again, so the journal never holds a torn record followed by
     * good ones; if even that fails the journal refuses every further append.
     */
    void append(JournalRecord record) {
        if (brokenBecause != null) {
            throw new StoreException("the write journal is unusable (" + brokenBecause
                    + "); restart the daemon to recover");
        }
        ByteBuffer bytes = JournalCodec.encode(record);
        long before = activeSize;
        try {
            while (bytes.hasRemaining()) {
                activeSize += active.write(bytes, activeSize);
            }
        } catch (IOException e) {
            try {
                active.truncate(before);
                activeSize = before;
            } catch (IOException again) {
                brokenBecause = "a failed append could not be cut off: " + again.getMessage();
            }
            throw new StoreException("cannot write the write journal " + activePath + ": " + e.getMessage(), e);
        }
        lastTxid = Math.max(lastTxid, record.txid());
        if (firstTxid < 0) {
            firstTxid = record.txid();
        }
        if (activeSize >= segmentBytes) {
            rotate(record.txid() + 1);
        }
    }

    private void rotate(long nextTxid) {
        try {
            active.close();
            startSegment(nextTxid);
            List<Path> segments = segments();
            Instant cutoff = Instant.now().minus(keepFor);
            for (int i = 0; i < segments.size() - 2; i++) {
                Path old = segments.get(i);
                // The next segment's first txid bounds this one's transactions from above.
                long lastInSegment = firstTxidOf(segments.subList(i + 1, segments.size())) - 1;
                if (lastInSegment > checkpointedTxid) {
                    break; // newer segments hold even later transactions
                }
                if (Files.getLastModifiedTime(old).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(old);
                }
            }
            firstTxid = firstTxidOf(segments());
        } catch (IOException e) {
            brokenBecause = "cannot start a new segment: " + e.getMessage();
            LOG.error("write journal in {}: {}", dir, brokenBecause);
        }
    }

    private void startSegment(long firstTxidOfSegment) throws IOException {
        activePath = dir.resolve(String.format("%020d", firstTxidOfSegment) + SUFFIX);
        active = FileChannel.open(activePath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        activeSize = active.size();
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
    }

    private static long firstTxidOf(List<Path> segments) {
        if (segments.isEmpty()) {
            return -1;
        }
        String name = segments.get(0).getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }

    /**
     * Reads a segment's good records after {@code appliedTxid} into {@code into}; a torn tail is
     * cut off the file.
     */
    private void readSegment(Path segment, List<JournalRecord> into, long appliedTxid) throws IOException {
        long good = 0;
        try (InputStream raw = Files.newInputStream(segment);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            while (true) {
                int length;
                int crc;
                try {
                    length = in.readInt();
                    crc = in.readInt();
                } catch (EOFException end) {
                    break;
                }
                if (length < 0 || length > JournalCodec.MAX_RECORD_BYTES) {
                    break;
                }
                byte[] body = in.readNBytes(length);
                if (body.length != length || !JournalCodec.checksumMatches(body, crc)) {
                    break;
                }
                long txid = JournalCodec.txidOf(body);
                if (txid > appliedTxid) {
                    into.add(JournalCodec.decode(body));
                }
                lastTxid = Math.max(lastTxid, txid);
                if (firstTxid < 0 || txid < firstTxid) {
                    firstTxid = txid;
                }
                good += JournalCodec.HEADER_BYTES + length;
            }
        }
        long size = Files.size(segment);
        if (good < size) {
            LOG.warn("write journal {}: cutting off {} bytes of a record torn by a crash", segment, size - good);
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                ch.truncate(good);
            }
        }
    }

    @Override
    public void close() {
        if (active != null) {
            try {
                active.close();
            } catch (IOException e) {
                LOG.warn("closing the write journal {}: {}", activePath, e.getMessage());
            }
        }
    }
}
