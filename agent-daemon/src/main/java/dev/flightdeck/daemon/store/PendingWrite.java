package dev.flightdeck.daemon.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A write transaction waiting for a group commit: its work, then its outcome once the group's
 * commit is decided. Run and completed by whichever thread commits the group, read by the thread
 * that submitted it after it acquired (and released) the same write lock, which orders the two.
 */
final class PendingWrite<T> {
    private final SqlWork<T> work;
    private T result;
    private RuntimeException failure;
    private volatile boolean done;

    PendingWrite(SqlWork<T> work) {
        this.work = work;
    }

    void run(Connection c) throws SQLException {
        result = work.run(c);
    }

    /** The group committed: the result stands. */
    void succeed() {
        done = true;
    }

    /** The work threw, or the group's commit failed. */
    void fail(RuntimeException e) {
        failure = e;
        done = true;
    }

    boolean isDone() {
        return done;
    }

    /** The result, or the failure thrown. */
    T outcome() {
        if (!done) {
            throw new IllegalStateException("write transaction was not run");
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }
}
