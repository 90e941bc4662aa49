/*
 * log.h: the worker's and CLI's log. One line per event, written with a
 * single write(2) on an O_APPEND descriptor so that lines from many worker
 * processes never interleave. Each request's line carries its request id.
 */
#ifndef LOG_H
#define LOG_H

/* Opens path for appending ("-" or NULL: standard error). Returns 0 or -1
 * (errno set); on failure the log stays on standard error. */
int log_open(const char *path);

/* Writes "<time> <level> rid=<rid> <message>"; rid may be NULL. The
 * message is cut at 1 KiB and control characters are escaped, so that a
 * hostile value quoted in a message cannot forge a line. */
void log_msg(const char *level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* LOG_H */
