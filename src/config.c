/*
 * config.c: reading conf/dnadb.conf and DNADB_* overrides; see config.h.
 * The keys are a table: adding a setting is one row here and one member
 * in struct config.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dnadb.h"

enum config_type { CONFIG_STR, CONFIG_LONG };

struct config_key {
	const char       *name;
	enum config_type  type;
	size_t            offset;
	long              min, max, def; /* CONFIG_LONG only */
	const char       *sdef;          /* CONFIG_STR only */
};

#define KEY_LONG(n, lo, hi, d) \
	{ #n, CONFIG_LONG, offsetof(struct config, n), lo, hi, d, NULL }
#define KEY_STR(n, d) \
	{ #n, CONFIG_STR, offsetof(struct config, n), 0, 0, 0, d }

static const struct config_key config_keys[] = {
	KEY_STR(database_url, "dbname=dnadb"),
	KEY_STR(owner_database_url, ""),
	KEY_STR(log_file, "-"),
	KEY_LONG(workers, 1, 256, 4),
	KEY_LONG(port, 1, 65535, 8080),
	KEY_LONG(max_sequence_length, 1, DNA_SEQ_LEN_HARD, DNA_SEQ_LEN_DEFAULT),
	KEY_LONG(max_body_bytes, 1024, DNA_BODY_HARD, DNA_BODY_DEFAULT),
	KEY_LONG(max_import_bytes, 1024, 1L << 40, 1L << 30),
	KEY_LONG(max_import_inflated_bytes, 1024, DNA_INFLATED_HARD,
	    DNA_INFLATED_DEFAULT),
	KEY_LONG(max_distance, 0, DNA_K_CAP_HARD, DNA_K_CAP_DEFAULT),
	KEY_LONG(max_response_bases, 1, DNA_SEQ_LEN_HARD * 64L, DNA_PAGE_BASES_DEFAULT),
	KEY_LONG(statement_timeout_ms, 0, 3600000L, 10000),
	KEY_LONG(search_budget_ms, 0, 3600000L, 5000),
	KEY_LONG(connect_timeout_s, 1, 600, 5),
	KEY_LONG(public_read, 0, 1, 0),
	KEY_LONG(limit_search_rps, 1, 1000000L, 100),
	KEY_LONG(limit_search_burst, 0, 1000000L, 200),
	KEY_LONG(limit_write_rps, 1, 1000000L, 50),
	KEY_LONG(limit_write_burst, 0, 1000000L, 100),
	KEY_LONG(limit_conn_per_client, 1, 65535L, 64),
	KEY_LONG(client_timeout_s, 1, 600, 10),
	KEY_LONG(drain_timeout_s, 1, 86400L, 60),
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static const struct config_key *
config_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strlen(config_keys[i].name) == len &&
		    memcmp(config_keys[i].name, name, len) == 0)
			return &config_keys[i];
	return NULL;
}

void
config_defaults(struct config *cfg)
{
	size_t i;
	char *base = (char *)cfg;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type == CONFIG_LONG)
			*(long *)(void *)(base + k->offset) = k->def;
		else
			snprintf(base + k->offset, CONFIG_STR_MAX, "%s", k->sdef);
	}
}

/*
 * Sets key k from the text v[0..len). Returns 0, or -1 with the reason in
 * why (a fragment such as "must be an integer from 1 to 256").
 */
static int
config_set(struct config *cfg, const struct config_key *k, const char *v,
    size_t len, char *why, size_t whysz)
{
	char *base = (char *)cfg, tmp[32], *end;
	long n;

	if (k->type == CONFIG_STR) {
		if (len >= CONFIG_STR_MAX) {
			snprintf(why, whysz, "is longer than %d bytes", CONFIG_STR_MAX - 1);
			return -1;
		}
		memcpy(base + k->offset, v, len);
		(base + k->offset)[len] = '\0';
		return 0;
	}
	if (len == 0 || len >= sizeof(tmp))
		goto bad;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	if (!isdigit((unsigned char)tmp[0]))
		goto bad;
	errno = 0;
	n = strtol(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || n < k->min || n > k->max)
		goto bad;
	*(long *)(void *)(base + k->offset) = n;
	return 0;
bad:
	snprintf(why, whysz, "must be an integer from %ld to %ld", k->min, k->max);
	return -1;
}

/* Strips ASCII white space from both ends of s[0..*len). */
static const char *
config_trim(const char *s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	return s;
}

static int
config_file(const char *path, struct config *cfg, char *err, size_t errsz)
{
	FILE *fp;
	char *line = NULL, why[128];
	size_t cap = 0, klen, vlen;
	ssize_t n;
	long lineno = 0;
	int rc = -1;
	const char *key, *val, *eq;
	const struct config_key *k;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		klen = (size_t)n;
		key = config_trim(line, &klen);
		if (klen == 0 || key[0] == '#')
			continue;
		if ((eq = memchr(key, '=', klen)) == NULL) {
			snprintf(err, errsz, "%s:%ld: expected 'key = value'", path, lineno);
			goto out;
		}
		vlen = klen - (size_t)(eq - key) - 1;
		val = config_trim(eq + 1, &vlen);
		klen = (size_t)(eq - key);
		key = config_trim(key, &klen);
		if ((k = config_find(key, klen)) == NULL) {
			snprintf(err, errsz, "%s:%ld: unknown key '%.*s'", path, lineno,
			    (int)(klen > 64 ? 64 : klen), key);
			goto out;
		}
		if (config_set(cfg, k, val, vlen, why, sizeof(why)) != 0) {
			snprintf(err, errsz, "%s:%ld: %s %s", path, lineno, k->name, why);
			goto out;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errsz, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(fp);
	return rc;
}

static int
config_env(struct config *cfg, char *err, size_t errsz)
{
	char var[64], why[128];
	const char *v;
	size_t i, j;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		snprintf(var, sizeof(var), "DNADB_%s", k->name);
		for (j = 6; var[j] != '\0'; j++)
			var[j] = (char)toupper((unsigned char)var[j]);
		if ((v = getenv(var)) == NULL)
			continue;
		if (config_set(cfg, k, v, strlen(v), why, sizeof(why)) != 0) {
			snprintf(err, errsz, "environment %s %s", var, why);
			return -1;
		}
	}
	return 0;
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errsz)
{
	config_defaults(cfg);
	if (path != NULL && config_file(path, cfg, err, errsz) != 0)
		return -1;
	return config_env(cfg, err, errsz);
}

void
config_print(const struct config *cfg, FILE *out)
{
	const char *base = (const char *)cfg;
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type == CONFIG_LONG)
			fprintf(out, "%s = %ld\n", k->name,
			    *(const long *)(const void *)(base + k->offset));
		else if (strstr(k->name, "database_url") != NULL &&
		    strstr(base + k->offset, "password") != NULL)
			fprintf(out, "%s = (set; holds a password)\n", k->name);
		else
			fprintf(out, "%s = %s\n", k->name, base + k->offset);
	}
}
