-- 005: fresh planner statistics when a bulk import returns.
--
-- A large import into a store that autovacuum has not analysed yet leaves
-- the planner guessing: the search statement was planned as a parallel
-- bitmap scan and searches ran 30 times slower until autovacuum came.
-- Only a table's owner may ANALYZE it, and the workers connect as
-- dnadb_app, which owns nothing; this function runs as its owner (the
-- migrating role) and does exactly that and nothing else. Its rule is
-- autovacuum's (analyse once 10 % of the rows are new), applied at once:
-- never analysed yet, or at least 10 % as many new rows as the last count.

CREATE FUNCTION dnadb_analyze_after_import(inserted bigint) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
    tuples real;
BEGIN
    IF inserted IS NULL OR inserted <= 0 THEN
        RETURN false;
    END IF;
    SELECT c.reltuples INTO tuples FROM pg_class AS c
     WHERE c.oid = 'public.sequences'::regclass;
    -- reltuples is -1 until the table is first vacuumed or analysed.
    IF tuples >= 0 AND inserted < 0.1 * tuples THEN
        RETURN false;
    END IF;
    ANALYZE public.sequences;
    ANALYZE public.seq_segments;
    RETURN true;
END
$$;

COMMENT ON FUNCTION dnadb_analyze_after_import(bigint) IS
    'Called by dnadb after an import commits: ANALYZE sequences and seq_segments (as their owner) when the import added at least 10 % of the rows or they were never analysed. Returns whether it did.';

REVOKE ALL ON FUNCTION dnadb_analyze_after_import(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dnadb_analyze_after_import(bigint) TO dnadb_app;
