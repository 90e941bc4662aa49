/*
 * log.c: one-line log records; see log.h.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_fd = STDERR_FILENO;
static const char *log_rid;

void
log_set_rid(const char *rid)
{
	log_rid = rid;
}

int
log_open(const char *path)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		log_fd = STDERR_FILENO;
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return 0;
}

const char *
log_field(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (outsz == 0)
		return out;
	for (; s != NULL && *s != '\0' && o + 4 <= outsz; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '%') {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

void
log_msg(const char *level, const char *rid, const char *fmt, ...)
{
	char raw[1024], line[1400];
	size_t n, i, o;
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int hn;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (rid == NULL)
		rid = log_rid;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	hn = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s pid=%ld rid=%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000), level,
	    (long)getpid(), rid != NULL && rid[0] != '\0' ? rid : "-");
	if (hn < 0)
		return;
	o = (size_t)hn < sizeof(line) ? (size_t)hn : sizeof(line) - 1;
	n = strlen(raw);
	for (i = 0; i < n && o + 5 < sizeof(line); i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c < 0x20 || c == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			line[o++] = '\\';
			line[o++] = 'x';
			line[o++] = hex[c >> 4];
			line[o++] = hex[c & 15];
		} else
			line[o++] = (char)c;
	}
	line[o++] = '\n';
	(void)!write(log_fd, line, o);
}
