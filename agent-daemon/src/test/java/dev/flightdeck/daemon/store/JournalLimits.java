package dev.flightdeck.daemon.store;

/** Lowers a database's journal record limit for tests in other packages, so small writes reach it. */
public final class JournalLimits {
    private JournalLimits() {
    }

    public static void limitRecordBytes(Database db, long bytes) {
        db.limitRecordBytesForTests(bytes);
    }
}
