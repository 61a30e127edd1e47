package dev.flightdeck.daemon.store;

import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link LargeEventTextTest}: opens the database (replaying what the last
 * kill left in the journal only) and says how many transactions that replayed, appends event
 * number {@code args[1]} of {@link LargeEvents#events()} (the first also stores the run; past the
 * last: none), says which transactions H2's file holds by then, and waits to be killed.
 */
public final class LargeEventWriterProcess {
    private LargeEventWriterProcess() {
    }

    public static void main(String[] args) {
        int index = Integer.parseInt(args[1]);
        try (Database db = Database.open(Path.of(args[0]))) {
            System.out.println("OPENED " + db.replayedAtOpen());
            System.out.flush();
            var events = LargeEvents.events();
            if (index < events.size()) {
                if (index == 0) {
                    LargeEvents.storeRun(db);
                }
                LargeEvents.append(db, events.subList(index, index + 1));
                System.out.println("APPENDED " + db.checkpointedTxid() + " " + db.lastTxid());
                System.out.flush();
            }
            LockSupport.parkNanos(Long.MAX_VALUE); // killed here
        }
    }
}
