package dev.flightdeck.daemon.store;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link DatabaseKillNineTest}: opens the database (recovering whatever the
 * last kill left), says what it found, then commits rows one transaction at a time and says each
 * commit only after it returned. Mode {@code idle}: stops after a few commits and waits to be
 * killed; mode {@code stream}: commits until killed.
 */
public final class JournalWriterProcess {
    private JournalWriterProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean idle = args[1].equals("idle");
        int rows = Integer.parseInt(args[2]);
        try (Database db = Database.open(dir)) {
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "CREATE TABLE IF NOT EXISTS committed(id BIGINT PRIMARY KEY, pad VARCHAR(1000))")) {
                    ps.executeUpdate();
                }
                return null;
            });
            long[] found = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM committed");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new long[]{rs.getLong(1), rs.getLong(2)};
                }
            });
            System.out.println("FOUND " + found[0] + " " + found[1] + " " + db.replayedAtOpen());
            System.out.flush();
            String pad = "p".repeat(500);
            for (long id = found[0] + 1; !idle || id <= found[0] + rows; id++) {
                long row = id;
                db.inTransaction(c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO committed VALUES (?, ?)")) {
                        ps.setLong(1, row);
                        ps.setString(2, pad);
                        ps.executeUpdate();
                    }
                    return null;
                });
                System.out.println("C " + id);
                System.out.flush();
            }
            System.out.println("IDLE " + db.checkpointedTxid() + " " + db.lastTxid());
            System.out.flush();
            LockSupport.parkNanos(Long.MAX_VALUE); // killed here
        }
    }
}
