-- Flightdeck daemon schema v6: event text stored inline, a LOB only for the rare huge event.
--
-- run_events.payload_json and canonical_json were CHARACTER LARGE OBJECTs, so every INSERT went
-- through H2's LOB code (a LOB id, a copy, a background cleaner): the largest single cost of a
-- commit (docs/benchmarks.md). They are now CHARACTER VARYING(1000000), stored in the row. A text
-- longer than 1,000,000 characters (a huge tool result, model answer or run input: nothing in the
-- daemon bounds those below the journal's 256 MB record) goes to the matching *_lob column
-- instead, and the other column of the pair is NULL; RunEventRepository picks whichever is set.
-- 1,000,000 rather than H2's own cap (10^9) keeps rows small: an inline value is rewritten with
-- its B-tree page at every checkpoint that touches the page, a LOB is not.

ALTER TABLE run_events ALTER COLUMN payload_json RENAME TO payload_lob;
ALTER TABLE run_events ALTER COLUMN payload_lob SET NULL;
ALTER TABLE run_events ADD COLUMN payload_json CHARACTER VARYING(1000000);
ALTER TABLE run_events ALTER COLUMN canonical_json RENAME TO canonical_lob;
ALTER TABLE run_events ALTER COLUMN canonical_lob SET NULL;
ALTER TABLE run_events ADD COLUMN canonical_json CHARACTER VARYING(1000000);

UPDATE run_events SET payload_json = payload_lob, payload_lob = NULL WHERE CHAR_LENGTH(payload_lob) <= 1000000;
UPDATE run_events SET canonical_json = canonical_lob, canonical_lob = NULL
    WHERE CHAR_LENGTH(canonical_lob) <= 1000000;

-- Exactly one column of each pair holds the text.
ALTER TABLE run_events ADD CONSTRAINT run_events_payload_once
    CHECK ((payload_json IS NULL) <> (payload_lob IS NULL));
ALTER TABLE run_events ADD CONSTRAINT run_events_canonical_once
    CHECK ((canonical_json IS NULL) <> (canonical_lob IS NULL));
