package dev.flightdeck.daemon.store;

import java.util.Collections;
import java.util.List;

/**
 * One write statement of a journaled transaction: its SQL and its parameter values, in the
 * order the statement bound them. Replaying it on the same database state has the same effect.
 *
 * @param sql          the statement text, with {@code ?} placeholders
 * @param params       the bound values (null for SQL NULL); types are those {@link JournalCodec} knows
 * @param updateCount  the rows it changed when it ran (replay must change exactly as many)
 */
public record JournaledStatement(String sql, List<Object> params, long updateCount) {
    public JournaledStatement {
        // Unmodifiable but null-friendly: List.copyOf would reject SQL NULL parameters.
        params = Collections.unmodifiableList(new java.util.ArrayList<>(params));
    }
}
