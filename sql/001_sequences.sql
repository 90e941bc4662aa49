-- 001: the sequence store.
--
-- A sequence is stored once. Uniqueness must hold for strings of any
-- length, and a B-tree entry is limited to about 2.7 kB, so a B-tree
-- unique index on the text is out. Instead an exclusion constraint over a
-- hash index: the index holds only a 32-bit hash of each sequence, and
-- PostgreSQL rechecks the actual text of every row with an equal hash, so
-- two different strings never collide. Concurrent identical inserts are
-- serialised by the constraint (the second waits for the first to commit).

CREATE TABLE sequences (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sequence    text NOT NULL,
    length      integer GENERATED ALWAYS AS (octet_length(sequence)) STORED,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sequences_alphabet CHECK (sequence ~ '^[ACGT]+$'),
    CONSTRAINT sequences_unique EXCLUDE USING hash (sequence WITH =)
);

COMMENT ON TABLE sequences IS
    'DNA strings, each stored once, upper-case A/C/G/T only.';
COMMENT ON COLUMN sequences.length IS
    'Number of bases; derived, used by search to restrict candidates to the length window |q|-k .. |q|+k.';
COMMENT ON CONSTRAINT sequences_unique ON sequences IS
    'A sequence is stored once; hash index with recheck, so it works for any length and is collision-safe.';

-- Search scans the length window in (length, id) keyset order.
CREATE INDEX sequences_length_id ON sequences (length, id);
