/*
 * auth.c: API tokens; see auth.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "auth.h"
#include "log.h"
#include "valid.h"

static const char auth_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *const auth_scope_names[] = {
	[AUTH_NONE] = "none",
	[AUTH_READ] = "read",
	[AUTH_WRITE] = "write",
};

enum auth_scope
auth_scope_parse(const char *s)
{
	if (s != NULL && strcmp(s, "read") == 0)
		return AUTH_READ;
	if (s != NULL && strcmp(s, "write") == 0)
		return AUTH_WRITE;
	return AUTH_NONE;
}

const char *
auth_scope_name(enum auth_scope s)
{
	if ((int)s < 0 || s > AUTH_WRITE)
		s = AUTH_NONE;
	return auth_scope_names[s];
}

bool
auth_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > AUTH_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

/* Fills buf with n bytes from the kernel's random source. */
static int
auth_random(unsigned char *buf, size_t n)
{
	ssize_t got;
	size_t o = 0;

	while (o < n) {
		got = getrandom(buf + o, n - o, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		o += (size_t)got;
	}
	return 0;
}

/* SHA-256 of s[0..n) in lower-case hex into hex (AUTH_HASH_SIZE). */
static int
auth_sha256_hex(const char *s, size_t n, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
auth_token_new(char *token, char *selector, char *hash)
{
	unsigned char sel[AUTH_SELECTOR_LEN / 2], sec[33];
	char secret[AUTH_SECRET_LEN + 1];
	size_t i, o = 0;
	unsigned v;

	if (auth_random(sel, sizeof(sel)) != 0 ||
	    auth_random(sec, 32) != 0)
		return -1;
	sec[32] = 0;
	for (i = 0; i < sizeof(sel); i++)
		snprintf(selector + 2 * i, 3, "%02x", sel[i]);
	/* 32 bytes as base64url without padding: 43 characters (the last
	 * carries 2 bits of data, which is why sec has a zero byte more). */
	for (i = 0; i < 33 && o < AUTH_SECRET_LEN; i += 3) {
		v = (unsigned)sec[i] << 16 | (unsigned)sec[i + 1] << 8 |
		    (i + 2 < 33 ? sec[i + 2] : 0);
		secret[o++] = auth_b64url[(v >> 18) & 63];
		if (o < AUTH_SECRET_LEN)
			secret[o++] = auth_b64url[(v >> 12) & 63];
		if (o < AUTH_SECRET_LEN)
			secret[o++] = auth_b64url[(v >> 6) & 63];
		if (o < AUTH_SECRET_LEN)
			secret[o++] = auth_b64url[v & 63];
	}
	secret[AUTH_SECRET_LEN] = '\0';
	snprintf(token, AUTH_TOKEN_SIZE, "dnadb_%s_%s", selector, secret);
	i = auth_sha256_hex(secret, AUTH_SECRET_LEN, hash) == 0 ? 0 : 1;
	explicit_bzero(sec, sizeof(sec));
	explicit_bzero(secret, sizeof(secret));
	return i == 0 ? 0 : -1;
}

bool
auth_parse(const char *header, char *selector, char *hash)
{
	size_t n, i;
	const char *t;

	n = strnlen(header, AUTH_HEADER_MAX + 1);
	if (n > AUTH_HEADER_MAX || n < 7 || strncasecmp(header, "Bearer ", 7) != 0)
		return false;
	for (t = header + 7; *t == ' '; t++)
		;
	/* Trailing white space is tolerated, nothing else. */
	n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (n != AUTH_TOKEN_LEN || memcmp(t, "dnadb_", 6) != 0 ||
	    t[6 + AUTH_SELECTOR_LEN] != '_')
		return false;
	for (i = 0; i < AUTH_SELECTOR_LEN; i++) {
		char c = t[6 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	for (i = 0; i < AUTH_SECRET_LEN; i++)
		if (strchr(auth_b64url, t[7 + AUTH_SELECTOR_LEN + i]) == NULL ||
		    t[7 + AUTH_SELECTOR_LEN + i] == '\0')
			return false;
	memcpy(selector, t + 6, AUTH_SELECTOR_LEN);
	selector[AUTH_SELECTOR_LEN] = '\0';
	return auth_sha256_hex(t + 7 + AUTH_SELECTOR_LEN, AUTH_SECRET_LEN,
	    hash) == 0;
}

bool
auth_ct_equal(const char *a, const char *b, size_t n)
{
	volatile unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

enum dna_err
auth_check(struct store *st, const char *header, struct auth_token *tok,
    struct dna_fail *f)
{
	char selector[AUTH_SELECTOR_LEN + 1], hash[AUTH_HASH_SIZE];
	struct store_token row;
	struct dna_fail tf;
	enum dna_err rc;
	bool found;

	memset(tok, 0, sizeof(*tok));
	if (!auth_parse(header, selector, hash))
		return fail_set(f, DNA_E_INVALID_TOKEN,
		    "the Authorization header is not 'Bearer' and a dnadb token");
	if ((rc = store_token_get(st, selector, &row, &found, f)) != DNA_OK)
		goto out;
	/* The hash is compared even for a revoked row, so that "revoked" is
	 * told only to a holder of the secret. */
	if (!found || strlen(row.secret_sha256) != AUTH_HASH_SIZE - 1 ||
	    !auth_ct_equal(row.secret_sha256, hash, AUTH_HASH_SIZE - 1)) {
		rc = fail_set(f, DNA_E_INVALID_TOKEN, "this token is not known here");
		goto out;
	}
	if (row.revoked) {
		rc = fail_set(f, DNA_E_INVALID_TOKEN, "this token has been revoked");
		goto out;
	}
	tok->scope = auth_scope_parse(row.scope);
	snprintf(tok->name, sizeof(tok->name), "%s", row.name);
	tok->id = row.id;
	if (tok->scope == AUTH_NONE) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	if (row.stale) {
		fail_init(&tf);
		if (store_token_touch(st, row.id, &tf) != DNA_OK)
			log_msg("warn", NULL, "auth: cannot record the use of "
			    "token %s: %s", tok->name, tf.msg);
		fail_clear(&tf);
	}
out:
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(row.secret_sha256, sizeof(row.secret_sha256));
	return rc;
}
