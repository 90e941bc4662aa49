/*
 * idx.h: writing the segment index (seq_segments, see src/seg.h and
 * sql/002_segments.sql) in bulk over a plain libpq connection: rebuilding
 * it from the sequences, and adding the keys of many new sequences with
 * COPY. The caller owns the connection and the transaction around these
 * calls; each function leaves the connection ready for the next command.
 */
#ifndef IDX_H
#define IDX_H

#include <stdio.h>

#include <libpq-fe.h>

/* Replaces the whole index with the keys of every stored sequence. Runs
 * inside the caller's transaction. Returns 0, or -1 with a message on err. */
int idx_rebuild(PGconn *conn, FILE *out, FILE *err);

/*
 * Adds the keys of the rows of res (columns: id, sequence; the result of
 * an INSERT ... RETURNING id, sequence) with one COPY, sorted by key so
 * that the B-tree is written in order. Returns the number of keys, or -1
 * with a message in err (errsz bytes) and the SQLSTATE in state ("" if
 * none).
 */
long idx_add_rows(PGconn *conn, const PGresult *res, char *err, size_t errsz,
    char state[8]);

#endif /* IDX_H */
