/*
 * import.c: streaming bulk import; see import.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dnadb.h"
#include "import.h"

/* Bytes of COPY data gathered before a PQputCopyData, and the bases of
 * sequence that one insert batch brings back (INSERT ... RETURNING). */
#define IMPORT_COPY_CHUNK   ((size_t)1 << 20)
#define IMPORT_BATCH_BASES  ((size_t)64 << 20)

/* Sends the gathered COPY data. */
static bool
import_flush(struct import *im)
{
	if (im->copy.len == 0)
		return true;
	if (store_import_put(&im->db, im->copy.p, im->copy.len,
	    &im->fail) != DNA_OK) {
		im->status = IMPORT_DB;
		return false;
	}
	buf_reset(&im->copy);
	return true;
}

/* fastx callback: one record becomes one COPY line "n\tline\tSEQ\n". */
static bool
import_emit(void *arg, const char *seq, size_t len, unsigned long long line)
{
	struct import *im = arg;
	char head[48];
	int hn;

	im->n++;
	hn = snprintf(head, sizeof(head), "%llu\t%llu\t", im->n, line);
	if (hn < 0)
		return false;
	if (im->copy.len + (size_t)hn + len + 1 > IMPORT_COPY_CHUNK &&
	    !import_flush(im))
		return false;
	if (!buf_reserve(&im->copy, (size_t)hn + len + 1)) {
		im->status = IMPORT_NOMEM;
		return false;
	}
	buf_append(&im->copy, head, (size_t)hn);
	buf_append(&im->copy, seq, len);
	buf_append(&im->copy, "\n", 1);
	return true;
}

/* gz sink: the (inflated) bytes of the file go to the parser. */
static bool
import_parse(void *arg, const char *buf, size_t len)
{
	struct import *im = arg;

	return fastx_feed(&im->fx, buf, len);
}

enum import_status
import_begin(struct import *im, PGconn *conn, const struct import_opts *o)
{
	bool busy;

	memset(im, 0, sizeof(*im));
	fail_init(&im->fail);
	fail_init(&im->analyze_fail);
	im->t_start = dna_now_ms();
	im->status = IMPORT_OK;
	im->vacuum = o->vacuum;
	gz_init(&im->gz, o->gzip, o->max_inflated, import_parse, im);
	fastx_init(&im->fx, o->maxlen, import_emit, im);
	/* A record can be up to maxlen bases: the buffer must hold one. */
	buf_init(&im->copy, IMPORT_COPY_CHUNK + o->maxlen + 64);
	if (store_import_open(&im->db, conn, o->wait, &busy, &im->fail) != DNA_OK)
		return im->status = IMPORT_DB;
	if (busy)
		return im->status = IMPORT_BUSY;
	return IMPORT_OK;
}

/* Sets the status after the gzip layer or the parser refused the file,
 * unless a database failure (in import_emit) already set it. */
static enum import_status
import_refused(struct import *im)
{
	if (im->status != IMPORT_OK)
		return im->status;
	if (im->gz.status == GZ_SINK || im->gz.status == GZ_OK)
		im->status = im->fx.reason == FASTX_NOMEM ? IMPORT_NOMEM :
		    IMPORT_INVALID;
	else
		im->status = im->gz.status == GZ_NOMEM ? IMPORT_NOMEM :
		    IMPORT_GZIP;
	return im->status;
}

enum import_status
import_feed(struct import *im, const char *buf, size_t len)
{
	if (im->status != IMPORT_OK)
		return im->status;
	if (!gz_feed(&im->gz, buf, len))
		return import_refused(im);
	return im->status;
}

enum import_status
import_finish(struct import *im)
{
	unsigned long long from, step, total;
	double t0;
	bool unknown;

	if (im->status != IMPORT_OK)
		return im->status;
	if (!gz_finish(&im->gz) || !fastx_finish(&im->fx))
		return import_refused(im);
	if (!import_flush(im) || store_import_staged(&im->db, &im->fail) != DNA_OK)
		return im->status = IMPORT_DB;
	im->ms_copy = dna_now_ms() - im->t_start;
	total = im->n;
	step = IMPORT_BATCH_BASES / (im->fx.bases / (total > 0 ? total : 1) + 1);
	if (step < 1)
		step = 1;
	for (from = 1; from <= total; from += step) {
		if (im->progress != NULL)
			im->progress(im->progress_arg, from - 1, total);
		if (store_import_batch(&im->db, from, from + step, &im->inserted,
		    &im->ms_insert, &im->ms_index, &im->fail) != DNA_OK)
			return im->status = IMPORT_DB;
	}
	if (im->progress != NULL)
		im->progress(im->progress_arg, total, total);
	im->duplicates = total - im->inserted;
	if (store_import_commit(&im->db, &unknown, &im->fail) != DNA_OK)
		return im->status = unknown ? IMPORT_UNKNOWN : IMPORT_DB;
	t0 = dna_now_ms();
	store_import_analyze(&im->db, im->inserted, im->vacuum, &im->analyzed,
	    &im->analyze_fail);
	im->ms_analyze = dna_now_ms() - t0;
	return IMPORT_OK;
}

void
import_end(struct import *im)
{
	store_import_close(&im->db);
	gz_free(&im->gz);
	fastx_free(&im->fx);
	buf_free(&im->copy);
	fail_clear(&im->fail);
	fail_clear(&im->analyze_fail);
}
