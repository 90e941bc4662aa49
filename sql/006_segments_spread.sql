-- 006: the segments of the edit-distance index cover the whole length of
-- a sequence (scheme w12-min6-per19-spread-v2, src/seg.h).
--
-- Until now only the first 72 segments (864 bases) of a sequence were
-- indexed, so long sequences that differ only after their start could
-- not be told apart by the index. Now a sequence of length L has
-- min(L / 12, max(6, L / 19 + 1)) segments, the first six slots and then
-- one slot per 19 bases, spread over its whole length; rows of 80-150
-- bases keep as many segments as before. The keys change, so `dnadb
-- migrate` rebuilds seq_segments in this migration's transaction (a C
-- hook, src/migrate.c) and records the new scheme in dnadb_meta; workers
-- built for the new scheme refuse to serve until it has run.

COMMENT ON TABLE seq_segments IS
    'Edit-distance index: one row per indexed 12-base segment of each sequence, spread over its whole length (src/seg.h). Maintained by dnadb; rebuild with dnadb reindex.';
COMMENT ON COLUMN seq_segments.key IS
    'slot number << 32 | the 12 bases of the slot packed 2 bits each (A=0, C=1, G=2, T=3, first base most significant); the slot starts at base 12 x slot number';
