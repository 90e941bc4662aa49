/*
 * log.h: the worker's and CLI's log. One line per event, written with a
 * single write(2) on an O_APPEND descriptor so that lines from many worker
 * processes never interleave. Each request's line carries its request id.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

/* Opens path for appending ("-" or NULL: standard error). Returns 0 or -1
 * (errno set); on failure the log stays on standard error. */
int log_open(const char *path);

/* Sets the request id that log_msg() uses when given none (the worker
 * sets it for the duration of each request; NULL clears it). The string
 * is borrowed until the next call. */
void log_set_rid(const char *rid);

/* Writes "<time> <level> rid=<rid> <message>"; rid NULL means the current
 * request's. The message is cut at 1 KiB; control characters, and double
 * quotes inside a quoted field, are escaped, so that a hostile value
 * quoted in a message cannot forge a line or a field. */
void log_msg(const char *level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies s into out (outsz bytes, NUL-terminated, cut at outsz - 1) with
 * space, '"', '\\', '%' and non-printable bytes %-encoded, so that a
 * client's path or query is one unambiguous log field. Returns out. */
const char *log_field(const char *s, char *out, size_t outsz);

#endif /* LOG_H */
