-- 002: the edit-distance index (the scheme is described in src/seg.h).
--
-- Each stored sequence has one row per indexed segment: the segment's key
-- (segment number << 32 | its 12 bases packed two bits each) and the
-- sequence's id. A search probes the keys of the query's substrings and
-- keeps the ids that match enough of them; the worker then verifies every
-- candidate exactly. The B-tree on (key, id) answers each probe with an
-- index-only scan.
--
-- The rows are written by dnadb itself (the worker and `dnadb import`), in
-- the same transaction as the sequence; `dnadb migrate` fills the table for
-- sequences stored before this migration. A sequence inserted by other
-- means must be indexed with `dnadb reindex`, or search will not find it.

CREATE TABLE seq_segments (
    key  bigint NOT NULL,
    id   bigint NOT NULL
);

CREATE INDEX seq_segments_key_id ON seq_segments (key, id);

COMMENT ON TABLE seq_segments IS
    'Edit-distance index: one row per indexed 12-base segment of each sequence (src/seg.h). Maintained by dnadb; rebuild with dnadb reindex.';
COMMENT ON COLUMN seq_segments.key IS
    'segment number << 32 | the 12 bases packed 2 bits each (A=0, C=1, G=2, T=3, first base most significant)';

-- The segment scheme this table was built with; a change of scheme is a
-- new migration that rebuilds the table.
CREATE TABLE dnadb_meta (
    name   text PRIMARY KEY,
    value  text NOT NULL
);
INSERT INTO dnadb_meta (name, value) VALUES ('segment_scheme', 'w12-min6-per19-max72-v1');
COMMENT ON TABLE dnadb_meta IS 'Facts about the stored data that the code checks, such as the segment scheme.';
