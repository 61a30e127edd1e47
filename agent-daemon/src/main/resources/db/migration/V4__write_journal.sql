-- The id of the last write-journal transaction this database holds (ADR 0009). Every journaled
-- write transaction updates it in the same transaction, so after a crash the daemon knows exactly
-- which journal entries the database lost and replays those, and only those.
CREATE TABLE journal_state (
    id        INT PRIMARY KEY CHECK (id = 1),
    last_txid BIGINT NOT NULL
);

INSERT INTO journal_state (id, last_txid) VALUES (1, 0);
