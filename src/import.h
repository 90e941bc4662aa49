/*
 * import.h: bulk import of a sequence file into PostgreSQL, all or
 * nothing. The body may be gzip (gz.c inflates it as it arrives). The
 * records that fastx.c parses are streamed with COPY into a temporary
 * table as the bytes arrive (never the whole file in memory); at the end
 * they are inserted in file order, skipping sequences already stored or
 * repeated in the file before they draw an id, and indexed (store_idx.c), all
 * in one transaction. After the COMMIT the planner statistics of the two
 * tables are refreshed when the import changed them enough
 * (dnadb_analyze_after_import, sql/005), so that the store is searchable
 * at full speed when the import returns. Imports are serialised with an advisory lock so that two
 * overlapping files cannot deadlock; single adds proceed alongside.
 *
 * Used by the worker (POST /api/sequences/import) and by `dnadb import`,
 * over a connection the caller owns and on which no transaction is open.
 */
#ifndef IMPORT_H
#define IMPORT_H

#include <stdbool.h>
#include <stddef.h>


#include "buf.h"
#include "fastx.h"
#include "gz.h"
#include "store.h"

/* Advisory lock key of imports (an arbitrary constant), as SQL text; db.c
 * looks for it to tell that an import is running. */
#define IMPORT_LOCK "4852742"

enum import_status {
	IMPORT_OK,
	IMPORT_INVALID,    /* the file was refused: see fx.reason, err_line ... */
	IMPORT_DB,         /* the database failed: see fail */
	IMPORT_UNKNOWN,    /* the connection died during COMMIT: outcome unknown */
	IMPORT_BUSY,       /* another import holds the lock (wait = false) */
	IMPORT_GZIP,       /* the gzip layer refused the body: see gz.status, err */
	IMPORT_NOMEM
};

/* How to run an import. */
struct import_opts {
	size_t              maxlen;       /* longest record, in bases */
	bool                wait;         /* queue behind a running import */
	bool                gzip;         /* the body must be gzip */
	unsigned long long  max_inflated; /* bound of a gzip body, inflated */
	bool                vacuum;       /* the owner's connection: VACUUM the
	                                   * tables after an import big enough
	                                   * to analyse them, so that index-only
	                                   * scans need no heap visits */
};

struct import {
	struct store_import db;       /* the database side (store_import.c) */
	struct gz           gz;       /* in front of fx */
	struct fastx        fx;
	struct buf          copy;     /* COPY data not yet sent */
	unsigned long long  n;        /* records sent */
	enum import_status  status;
	struct dna_fail     fail;     /* IMPORT_DB, IMPORT_UNKNOWN: why */
	/* Results, and where the time went (ms): streaming the file into the
	 * staging table, inserting the sequences, writing their index rows. */
	unsigned long long  inserted, duplicates;
	double              ms_copy, ms_insert, ms_index;
	double              t_start;  /* when import_begin ran */
	bool                vacuum;   /* opts.vacuum */
	bool                analyzed; /* statistics refreshed after COMMIT */
	double              ms_analyze;
	struct dna_fail     analyze_fail; /* why not, if it failed (err set) */
	/* Called between the insert batches at the end with (done, total)
	 * records, for a progress display; may be NULL. */
	void              (*progress)(void *arg, unsigned long long done,
	                      unsigned long long total);
	void               *progress_arg;
};

/* Opens the transaction and the COPY. o->maxlen bounds a record. With
 * o->wait false, an import already running makes it return IMPORT_BUSY at
 * once (a worker must not sit on the lock); with wait true it queues. A
 * body that starts with the gzip magic is inflated; with o->gzip, one that
 * does not is refused (IMPORT_GZIP). Returns IMPORT_OK, IMPORT_BUSY or
 * IMPORT_DB; call import_end() in every case. */
enum import_status import_begin(struct import *im, PGconn *conn,
    const struct import_opts *o);

/* Parses and sends buf[0..len). Returns IMPORT_OK, or the status that
 * stopped the import (then import_end() rolls back). */
enum import_status import_feed(struct import *im, const char *buf, size_t len);

/* Ends the file, inserts, indexes and commits, then refreshes the
 * statistics (a failure there is left in im->analyze_fail for the caller to
 * log; it does not change the outcome: the rows are stored). Returns the final
 * status; on IMPORT_OK im->inserted and im->duplicates hold the counts. */
enum import_status import_finish(struct import *im);

/* Rolls back whatever is open and frees the parser. Safe after any call. */
void import_end(struct import *im);

#endif /* IMPORT_H */
