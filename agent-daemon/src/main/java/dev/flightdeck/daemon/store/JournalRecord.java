package dev.flightdeck.daemon.store;

import java.util.List;

/**
 * One entry of the write journal: either a transaction's writes (in order) or the note that the
 * transaction with that id did not commit after all, so replay must skip it.
 *
 * @param txid       the transaction's id, strictly increasing in commit order
 * @param aborted    true for an abort note (statements empty)
 * @param statements the transaction's write statements
 */
public record JournalRecord(long txid, boolean aborted, List<JournaledStatement> statements) {
    public JournalRecord {
        statements = List.copyOf(statements);
    }

    static JournalRecord commit(long txid, List<JournaledStatement> statements) {
        return new JournalRecord(txid, false, statements);
    }

    static JournalRecord abort(long txid) {
        return new JournalRecord(txid, true, List.of());
    }
}
