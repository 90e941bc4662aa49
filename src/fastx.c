/*
 * fastx.c: streaming FASTA / FASTQ / plain parser; see fastx.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fastx.h"

/* The longest header or '+' line kept (FASTQ '+' lines may repeat the
 * header); longer ones are refused rather than buffered without end. */
#define FASTX_HEADER_MAX ((size_t)1 << 20)

static const unsigned char fastx_fold[256] = {
	['A'] = 'A', ['C'] = 'C', ['G'] = 'G', ['T'] = 'T',
	['a'] = 'A', ['c'] = 'C', ['g'] = 'G', ['t'] = 'T',
};

static const char *const fastx_reasons[FASTX__MAX] = {
	[FASTX_OK] = "ok",
	[FASTX_INVALID_BASE] = "invalid_base",
	[FASTX_EMPTY_RECORD] = "empty_record",
	[FASTX_TOO_LONG] = "sequence_too_long",
	[FASTX_LINE_TOO_LONG] = "line_too_long",
	[FASTX_FASTQ_PLUS] = "fastq_plus_line",
	[FASTX_FASTQ_HEADER] = "fastq_header",
	[FASTX_FASTQ_QUALITY] = "fastq_quality",
	[FASTX_TRUNCATED] = "truncated_record",
	[FASTX_EMPTY_FILE] = "empty_file",
	[FASTX_CALLBACK] = "storage_failed",
	[FASTX_NOMEM] = "out_of_memory",
};

const char *
fastx_reason_code(enum fastx_reason r)
{
	if ((int)r < 0 || r >= FASTX__MAX)
		return "unknown";
	return fastx_reasons[r];
}

const char *
fastx_format_name(enum fastx_format f)
{
	switch (f) {
	case FASTX_FASTA:
		return "fasta";
	case FASTX_FASTQ:
		return "fastq";
	case FASTX_PLAIN:
		return "plain";
	case FASTX_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

void
fastx_init(struct fastx *p, size_t maxlen, fastx_emit emit, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->maxlen = maxlen;
	p->emit = emit;
	p->arg = arg;
	p->lineno = 1;
	buf_init(&p->line, (maxlen > FASTX_HEADER_MAX ? maxlen : FASTX_HEADER_MAX) + 2);
	buf_init(&p->rec, maxlen);
}

void
fastx_free(struct fastx *p)
{
	buf_free(&p->line);
	buf_free(&p->rec);
}

/* Records a refusal; returns false for the caller to return. */
static bool fastx_fail(struct fastx *p, enum fastx_reason r,
    unsigned long long line, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool
fastx_fail(struct fastx *p, enum fastx_reason r, unsigned long long line,
    size_t column, const char *fmt, ...)
{
	va_list ap;

	p->reason = r;
	p->err_line = line;
	p->err_column = column;
	va_start(ap, fmt);
	vsnprintf(p->err_msg, sizeof(p->err_msg), fmt, ap);
	va_end(ap);
	return false;
}

/* Folds and appends s[0..len) to the record, refusing a bad base or a
 * record over maxlen. */
static bool
fastx_bases(struct fastx *p, const char *s, size_t len)
{
	size_t i, o;
	char what[8];
	unsigned char c;

	if (p->rec.len + len > p->maxlen) {
		p->reason = FASTX_TOO_LONG;
		p->err_line = p->recline;
		p->err_column = 0;
		snprintf(p->err_msg, sizeof(p->err_msg),
		    "the record is longer than %zu bases", p->maxlen);
		return false;
	}
	if (!buf_reserve(&p->rec, len))
		return fastx_fail(p, FASTX_NOMEM, p->lineno, 0, "%s",
		    "out of memory");
	o = p->rec.len;
	for (i = 0; i < len; i++) {
		c = fastx_fold[(unsigned char)s[i]];
		if (c == 0) {
			c = (unsigned char)s[i];
			if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
				snprintf(what, sizeof(what), "%c", c);
			else
				snprintf(what, sizeof(what), "\\x%02x", c);
			return fastx_fail(p, FASTX_INVALID_BASE, p->lineno, i + 1,
			    "'%s' is not one of A, C, G, T", what);
		}
		p->rec.p[o++] = (char)c;
	}
	p->rec.len = o;
	p->rec.p[o] = '\0';
	return true;
}

/* Hands the record over and starts the next. */
static bool
fastx_emit_rec(struct fastx *p)
{
	if (p->rec.len == 0)
		return fastx_fail(p, FASTX_EMPTY_RECORD, p->recline, 0, "%s",
		    "the record has no sequence");
	if (!p->emit(p->arg, p->rec.p, p->rec.len, p->recline))
		return fastx_fail(p, FASTX_CALLBACK, p->recline, 0, "%s",
		    "the record could not be stored");
	p->records++;
	p->bases += p->rec.len;
	buf_reset(&p->rec);
	p->rec.len = 0;
	return true;
}

/* One complete line, without its line end. Spaces and tabs at its end
 * are dropped first, so a line of only spaces and tabs is blank and a
 * sequence or quality line may carry trailing ones (spreadsheet and
 * instrument exports do). */
static bool
fastx_line(struct fastx *p, const char *s, size_t len)
{
	size_t i;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (p->format == FASTX_UNKNOWN) {
		/* Blank lines before the first record are skipped; the first
		 * other line tells the format. */
		if (len == 0)
			return true;
		p->format = s[0] == '>' ? FASTX_FASTA :
		    s[0] == '@' ? FASTX_FASTQ : FASTX_PLAIN;
	}
	switch (p->format) {
	case FASTX_PLAIN:
		if (len == 0)
			return true;
		p->recline = p->lineno;
		return fastx_bases(p, s, len) && fastx_emit_rec(p);
	case FASTX_FASTA:
		if (len > 0 && s[0] == '>') {
			if (p->in_rec && !fastx_emit_rec(p))
				return false;
			p->in_rec = true;
			p->recline = p->lineno;
			return true;
		}
		if (len == 0)
			return true;
		return fastx_bases(p, s, len);
	case FASTX_FASTQ:
		switch (p->fq_state) {
		case 0:
			if (len == 0)
				return true;
			if (s[0] != '@')
				return fastx_fail(p, FASTX_FASTQ_HEADER, p->lineno, 0,
				    "%s", "a FASTQ record must start with an '@' line");
			p->recline = p->lineno;
			p->fq_state = 1;
			return true;
		case 1:
			if (len == 0)
				return fastx_fail(p, FASTX_EMPTY_RECORD, p->recline, 0,
				    "%s", "the record has no sequence");
			p->fq_state = 2;
			return fastx_bases(p, s, len);
		case 2:
			if (len == 0 || s[0] != '+')
				return fastx_fail(p, FASTX_FASTQ_PLUS, p->lineno, 0, "%s",
				    "the third line of a FASTQ record must start with '+'");
			p->fq_state = 3;
			return true;
		default:
			if (len != p->rec.len)
				return fastx_fail(p, FASTX_FASTQ_QUALITY, p->lineno, 0,
				    "%s", "the quality line is not as long as the sequence");
			for (i = 0; i < len; i++)
				if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
					return fastx_fail(p, FASTX_FASTQ_QUALITY, p->lineno,
					    i + 1, "%s", "a quality character is outside '!'..'~'");
			p->fq_state = 0;
			return fastx_emit_rec(p);
		}
	case FASTX_UNKNOWN:
		break;
	}
	return true;
}

/* The UTF-8 byte-order mark some editors put at the start of a file. */
static const char fastx_bom[3] = { '\xef', '\xbb', '\xbf' };

/* Ends the buffered line. A byte-order mark at the start of the file is
 * dropped. */
static bool
fastx_end_line(struct fastx *p)
{
	const char *s = p->line.p != NULL ? p->line.p : "";
	size_t len = p->line.len;
	bool ok;

	if (p->lineno == 1 && len >= sizeof(fastx_bom) &&
	    memcmp(s, fastx_bom, sizeof(fastx_bom)) == 0) {
		s += sizeof(fastx_bom);
		len -= sizeof(fastx_bom);
	}
	ok = fastx_line(p, s, len);
	buf_reset(&p->line);
	p->line.len = 0;
	p->lineno++;
	return ok;
}

/* Where the line that starts at s ends: the first "\n" or "\r" before
 * end, or end. */
static const char *
fastx_eol(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s == '\n' || *s == '\r')
			return s;
	return end;
}

bool
fastx_feed(struct fastx *p, const char *buf, size_t len)
{
	const char *nl, *end = buf + len;
	size_t n;

	if (p->reason != FASTX_OK)
		return false;
	p->bytes += len;
	while (buf < end) {
		/* The "\n" of a "\r\n" pair: the "\r" ended the line. */
		if (p->after_cr) {
			p->after_cr = false;
			if (*buf == '\n') {
				buf++;
				continue;
			}
		}
		nl = fastx_eol(buf, end);
		n = (size_t)(nl - buf);
		if (!buf_append(&p->line, buf, n))
			return fastx_fail(p, p->line.len + n > p->line.max ?
			    FASTX_LINE_TOO_LONG : FASTX_NOMEM, p->lineno, 0, "%s",
			    "the line is longer than any record may be");
		if (nl == end)
			break;
		p->after_cr = *nl == '\r';
		if (!fastx_end_line(p))
			return false;
		buf = nl + 1;
	}
	return true;
}

bool
fastx_finish(struct fastx *p)
{
	if (p->reason != FASTX_OK)
		return false;
	if (p->line.len > 0 && !fastx_end_line(p))
		return false;
	if (p->format == FASTX_FASTA && p->in_rec && !fastx_emit_rec(p))
		return false;
	if (p->format == FASTX_FASTQ && p->fq_state != 0)
		return fastx_fail(p, FASTX_TRUNCATED, p->recline, 0, "%s",
		    "the file ends inside a FASTQ record");
	if (p->records == 0)
		return fastx_fail(p, FASTX_EMPTY_FILE, 1, 0, "%s",
		    "the file holds no sequence");
	return true;
}
