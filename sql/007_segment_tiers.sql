-- 007: tiers of even segments for rows of 16-255 bases (scheme
-- tiers-p18-k6-m24-s4-l16-255+w12-min6-per19-spread-v3, src/seg.h).
--
-- Until now every row was cut into fixed 12-base slots, so a row of L
-- bases could be filtered only while k < L / 12 (k <= 3 for a 45-base
-- junction, k <= 8 for a 115-base read); beyond that search scanned every
-- row of the length window. Now a row of 16 to 255 bases is cut into two
-- even partitions (PassJoin), m_hi = 18 % of its length + 1 segments (at
-- least 7, at most 24, none shorter than 4 bases) and m_lo = half as many,
-- so that a search with k up to 18 % of the row's length (at least 6)
-- always has a partition with k + 1 segments: a query searched at 15 % of
-- its own length reaches rows 15 % shorter, where that k is 17.6 %. A key holds the partition's m, the
-- row's length, the segment's number and its bases; longer rows keep
-- their slot keys. The keys change, so `dnadb migrate` rebuilds
-- seq_segments in this migration's transaction (a C hook, src/migrate.c)
-- and records the new scheme in dnadb_meta; workers built for the new
-- scheme refuse to serve until it has run.

COMMENT ON TABLE seq_segments IS
    'Edit-distance index: rows of 16-255 bases have one row here per segment of two even partitions (tiers); longer rows one per indexed 12-base slot (src/seg.h). Maintained by dnadb; rebuild with dnadb reindex.';
COMMENT ON COLUMN seq_segments.key IS
    'Tier key (bit 62 set): m << 57 | length << 49 | segment number << 44 | the segment''s bases packed 2 bits each (A=0, C=1, G=2, T=3, first base most significant). Slot key: slot number << 32 | the 12 bases of the slot, packed the same way; the slot starts at base 12 x slot number.';
