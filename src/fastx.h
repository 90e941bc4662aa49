/*
 * fastx.h: a streaming parser of sequence files: FASTA, FASTQ or plain
 * text with one sequence per line, told apart by the first byte ('>',
 * '@', anything else) of the first line that is not blank. Bytes are
 * pushed in chunks of any size; each complete record is handed to a
 * callback, upper-cased and validated. The parser holds at most one line
 * and one record, each bounded, so memory does not grow with the file.
 *
 * Rules: FASTA sequence lines are joined until the next '>' line; FASTQ
 * records are four lines (@header, sequence, '+' line, quality of the same
 * length); blank lines (empty, or only spaces and tabs) before and
 * between records are ignored; spaces and tabs at the end of any line are
 * dropped, elsewhere in a sequence line they are invalid bases; a line
 * ends at "\n", "\r\n" or a lone "\r" (old Mac files); a UTF-8 byte-order
 * mark at the start of the file is skipped; lower case is folded.
 * Anything else is an error with the line (and, for a bad base, the
 * column) where it was found.
 */
#ifndef FASTX_H
#define FASTX_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum fastx_format {
	FASTX_UNKNOWN,  /* no byte seen yet */
	FASTX_FASTA,
	FASTX_FASTQ,
	FASTX_PLAIN
};

/* Why a file was refused; fastx_reason_code() gives the API's name. */
enum fastx_reason {
	FASTX_OK = 0,
	FASTX_INVALID_BASE,      /* a character that is not A, C, G, T */
	FASTX_EMPTY_RECORD,      /* a header without sequence */
	FASTX_TOO_LONG,          /* a record over the maximum length */
	FASTX_LINE_TOO_LONG,     /* a header or quality line over its bound */
	FASTX_FASTQ_PLUS,        /* FASTQ: the third line is not '+' */
	FASTX_FASTQ_HEADER,      /* FASTQ: a record does not start with '@' */
	FASTX_FASTQ_QUALITY,     /* FASTQ: quality length or characters */
	FASTX_TRUNCATED,         /* the file ends inside a record */
	FASTX_EMPTY_FILE,        /* no record at all */
	FASTX_CALLBACK,          /* the callback refused a record */
	FASTX_NOMEM,
	FASTX__MAX
};

/* Called with each record: seq[0..len) upper-case bases, the line where
 * the record starts. Returns false to stop the parse (FASTX_CALLBACK). */
typedef bool (*fastx_emit)(void *arg, const char *seq, size_t len,
    unsigned long long line);

struct fastx {
	enum fastx_format   format;
	size_t              maxlen;   /* longest record, in bases */
	struct buf          line;     /* the line being assembled */
	struct buf          rec;      /* the record being assembled */
	unsigned long long  lineno;   /* of the line being assembled */
	unsigned long long  recline;  /* where the current record started */
	int                 fq_state; /* FASTQ: which line of the record is next */
	bool                in_rec;   /* FASTA: a header has been seen */
	bool                after_cr; /* the last byte fed was a "\r" */
	fastx_emit          emit;
	void               *arg;
	/* Totals, and the error once one happened. */
	unsigned long long  records, bases, bytes;
	enum fastx_reason   reason;
	unsigned long long  err_line;
	size_t              err_column; /* 1-based; 0 when not about a base */
	char                err_msg[200];
};

/* Prepares p for a new file. maxlen bounds a record. Allocates nothing
 * until bytes arrive; release with fastx_free(). */
void fastx_init(struct fastx *p, size_t maxlen, fastx_emit emit, void *arg);
void fastx_free(struct fastx *p);

/* Parses buf[0..len). Returns false once the file is refused (see
 * p->reason, err_line, err_column, err_msg); later calls do nothing. */
bool fastx_feed(struct fastx *p, const char *buf, size_t len);

/* Ends the file: emits the last record. False if it is refused. */
bool fastx_finish(struct fastx *p);

/* The API's snake_case name of a reason, e.g. "invalid_base". */
const char *fastx_reason_code(enum fastx_reason r);
/* The name of a format: "fasta", "fastq", "plain", or "unknown". */
const char *fastx_format_name(enum fastx_format f);

#endif /* FASTX_H */
