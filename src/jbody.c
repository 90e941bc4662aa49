/*
 * jbody.c: strict JSON request bodies; see jbody.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbody.h"
#include "valid.h"

static bool
jbody_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Returns the offset of the first control character (below 0x20) that
 * JSON does not allow there: any inside a string, any but white space
 * outside one. len if there is none. Strings are tracked by their
 * unescaped quotes; the parser proper checks everything else. *names
 * receives the number of member names of the outermost object (json-c
 * keeps the last of two equal names silently; the caller compares).
 */
static size_t
jbody_control(const char *s, size_t len, size_t *names)
{
	bool in_string = false;
	size_t i, j, nul = 0, depth = 0;
	bool has_nul = false;

	*names = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (in_string) {
			if (c == '\\') {
				/* json-c cuts member names at an escaped NUL, so
				 * {"sequence\u0000x": ...} would pass as "sequence":
				 * remember it and refuse it if this is a name. */
				if (!has_nul && len - i >= 6 &&
				    memcmp(s + i, "\\u0000", 6) == 0) {
					has_nul = true;
					nul = i;
				}
				i++;
			} else if (c == '"') {
				in_string = false;
				for (j = i + 1; j < len && jbody_is_ws(s[j]); j++)
					;
				if (j < len && s[j] == ':') {
					if (has_nul)
						return nul;
					if (depth == 1)
						(*names)++;
				}
			} else if (c < 0x20)
				return i;
		} else if (c == '"') {
			in_string = true;
			has_nul = false;
		} else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth > 0)
			depth--;
		else if (c < 0x20 && !jbody_is_ws((char)c))
			return i;
	}
	return len;
}

/* True for JSON's structural characters. */
static bool
jbody_is_punct(char c)
{
	return memchr("{}[],:", c, 6) != NULL;
}

/* True if w[0..n) is one of JSON's literal names or a number in JSON's
 * grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
jbody_word_ok(const char *w, size_t n)
{
	size_t i = 0, d;

	if ((n == 4 && memcmp(w, "true", 4) == 0) ||
	    (n == 5 && memcmp(w, "false", 5) == 0) ||
	    (n == 4 && memcmp(w, "null", 4) == 0))
		return true;
	if (i < n && w[i] == '-')
		i++;
	if (i < n && w[i] == '0')
		i++;
	else {
		for (d = i; i < n && w[i] >= '0' && w[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && w[i] == '.') {
		for (d = ++i; i < n && w[i] >= '0' && w[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && (w[i] == 'e' || w[i] == 'E')) {
		i++;
		if (i < n && (w[i] == '+' || w[i] == '-'))
			i++;
		for (d = i; i < n && w[i] >= '0' && w[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

/*
 * Returns the offset of the first bare word (a run of bytes outside
 * strings that is neither white space nor one of {}[],:) that is not a
 * JSON literal or number, and its length in *wlen; len if every word is
 * one. json-c's tokener takes NaN, Infinity, -Infinity and numbers such as
 * 1. and 1.e5 even with JSON_TOKENER_STRICT (0.16, Debian 12), and turns
 * them into doubles: this is what keeps them out. Control characters are
 * refused before this runs (jbody_control).
 */
static size_t
jbody_words(const char *s, size_t len, size_t *wlen)
{
	size_t i = 0, start;

	*wlen = 0;
	while (i < len) {
		char c = s[i];
		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (jbody_is_ws(c) || jbody_is_punct(c)) {
			i++;
			continue;
		}
		for (start = i; i < len && s[i] != '"' && !jbody_is_ws(s[i]) &&
		    !jbody_is_punct(s[i]); i++)
			;
		if (!jbody_word_ok(s + start, i - start)) {
			*wlen = i - start;
			return start;
		}
	}
	return len;
}

/* Writes c into what[0..8) as the refusals show a byte: itself if it is
 * printable ASCII, else \xNN. */
static void
jbody_show_byte(unsigned char c, char what[8])
{
	if (c >= 0x20 && c < 0x7f && c != '\\')
		snprintf(what, 8, "%c", c);
	else
		snprintf(what, 8, "\\x%02x", c);
}

/* Refuses the bare word body[at..at+wlen) that jbody_words() found. */
static enum dna_err
jbody_word_fail(const char *body, size_t at, size_t wlen, struct dna_fail *f)
{
	char shown[24 * 4 + 1], what[8];
	size_t k, o = 0, n = wlen < 24 ? wlen : 24;

	for (k = 0; k < n; k++) {
		jbody_show_byte((unsigned char)body[at + k], what);
		o += (size_t)snprintf(shown + o, sizeof(shown) - o, "%s", what);
	}
	fail_set(f, DNA_E_INVALID_JSON,
	    "invalid JSON at byte %zu: '%s%s' is not a JSON value (the bare "
	    "words are true, false and null; numbers are finite and decimal, "
	    "with no leading zero, digits before and after a '.'; no NaN or "
	    "Infinity)", at, shown, wlen > n ? "..." : "");
	fail_int(f, "offset", (long long)at);
	return DNA_E_INVALID_JSON;
}

/* Refuses where json-c stopped (at < len) without a clear message: names
 * the byte found there, and a trailing comma as such. */
static enum dna_err
jbody_syntax_fail(const char *body, size_t at, const char *desc,
    struct dna_fail *f)
{
	char what[8];
	size_t i = at;
	bool comma;

	while (i > 0 && jbody_is_ws(body[i - 1]))
		i--;
	comma = (body[at] == '}' || body[at] == ']') && i > 0 &&
	    body[i - 1] == ',';
	jbody_show_byte((unsigned char)body[at], what);
	fail_set(f, DNA_E_INVALID_JSON, "invalid JSON at byte %zu ('%s' found): "
	    "%s%s", at, what, desc, comma ? "; JSON allows no trailing comma "
	    "before a '}' or ']'" : "");
	fail_int(f, "offset", (long long)at);
	return DNA_E_INVALID_JSON;
}

/*
 * Finds the second occurrence of a member name of the outermost object in
 * body[0..len), a complete JSON text: returns its offset and writes the
 * name, printable, into shown[0..size); len if no name repeats. Names are
 * compared decoded ("q" and "\u0071" are the same name), through a json-c
 * object used as a set; -1 (as size_t) if memory runs out.
 */
static size_t
jbody_dup_name(const char *body, size_t len, char *shown, size_t size)
{
	json_object *seen = NULL, *name;
	struct json_tokener *tok = NULL;
	size_t i, j, k, n, start = 0, depth = 0, found = (size_t)-1;
	bool in_string = false;
	const char *key;

	if ((seen = json_object_new_object()) == NULL ||
	    (tok = json_tokener_new()) == NULL)
		goto out;
	for (i = 0; i < len; i++) {
		char c = body[i];
		if (in_string) {
			if (c == '\\') {
				i++;
				continue;
			}
			if (c != '"')
				continue;
			in_string = false;
			for (j = i + 1; j < len && jbody_is_ws(body[j]); j++)
				;
			if (depth != 1 || j == len || body[j] != ':')
				continue;
			json_tokener_reset(tok);
			name = json_tokener_parse_ex(tok, body + start,
			    (int)(i + 1 - start));
			if (name == NULL || !json_object_is_type(name,
			    json_type_string)) {
				json_object_put(name);
				goto out;
			}
			key = json_object_get_string(name);
			if (json_object_object_get_ex(seen, key, NULL)) {
				n = strlen(key) < 40 ? strlen(key) : 40;
				for (k = 0; k < n && k + 1 < size; k++)
					shown[k] = ((unsigned char)key[k] >= 0x20 &&
					    (unsigned char)key[k] < 0x7f &&
					    key[k] != '\'' && key[k] != '\\') ? key[k] : '?';
				shown[k] = '\0';
				json_object_put(name);
				found = start;
				goto out;
			}
			if (json_object_object_add(seen, key, NULL) != 0) {
				json_object_put(name);
				goto out;
			}
			json_object_put(name);
		} else if (c == '"') {
			in_string = true;
			start = i;
		} else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth > 0)
			depth--;
	}
	found = len;
out:
	json_tokener_free(tok);
	json_object_put(seen);
	return found;
}

enum dna_err
jbody_parse(const char *body, size_t len, const char *const *allowed,
    size_t nallowed, json_object **out, struct dna_fail *f)
{
	struct json_tokener *tok = NULL;
	json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t end, i, names, wlen;
	enum dna_err rc = DNA_OK;

	*out = NULL;
	if (len == 0) {
		fail_set(f, DNA_E_INVALID_JSON,
		    "the request body is empty; send a JSON object");
		return DNA_E_INVALID_JSON;
	}
	if (len > (size_t)0x7fffffff) {
		fail_set(f, DNA_E_INVALID_JSON, "the request body is too large");
		return DNA_E_INVALID_JSON;
	}
	/* json-c lets overlong UTF-8 forms and raw control characters in
	 * strings through, even in strict mode: reject them first. */
	if ((end = valid_utf8((const unsigned char *)body, len)) < len) {
		fail_set(f, DNA_E_INVALID_JSON,
		    "the body is not valid UTF-8 at byte %zu", end);
		fail_int(f, "offset", (long long)end);
		return DNA_E_INVALID_JSON;
	}
	if ((end = jbody_control(body, len, &names)) < len) {
		if (body[end] == '\\')
			fail_set(f, DNA_E_INVALID_JSON,
			    "a member name holds \\u0000 at byte %zu", end);
		else
			fail_set(f, DNA_E_INVALID_JSON,
			    "control character 0x%02x at byte %zu: JSON needs it escaped",
			    (unsigned)(unsigned char)body[end], end);
		fail_int(f, "offset", (long long)end);
		return DNA_E_INVALID_JSON;
	}
	/* Only an object is a request body; saying so here also spares a
	 * bare number its misleading "ends early" (json-c waits for more
	 * digits). */
	for (i = 0; i < len && jbody_is_ws(body[i]); i++)
		;
	if (i == len) {
		fail_set(f, DNA_E_INVALID_JSON,
		    "the request body is only white space; send a JSON object");
		fail_int(f, "offset", (long long)i);
		return DNA_E_INVALID_JSON;
	}
	if (body[i] != '{') {
		unsigned char c = (unsigned char)body[i];
		fail_set(f, DNA_E_INVALID_JSON, "the body must be a JSON object "
		    "({...}); it starts with '%c' at byte %zu",
		    c >= 0x20 && c < 0x7f ? (char)c : '?', i);
		fail_int(f, "offset", (long long)i);
		return DNA_E_INVALID_JSON;
	}
	/* json-c counts the outermost value as depth 1 and refuses the
	 * max_depth-th level: one more admits exactly DNA_JSON_DEPTH. */
	if ((tok = json_tokener_new_ex(DNA_JSON_DEPTH + 1)) == NULL)
		return fail_set(f, DNA_E_INTERNAL, NULL);
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		/* A word json-c took up to where it failed (nan, 01, .5) is
		 * named as a word, with what JSON allows instead. */
		if ((i = jbody_words(body, len, &wlen)) < len && i <= end)
			rc = jbody_word_fail(body, i, wlen, f);
		else if (jerr == json_tokener_continue || end >= len) {
			fail_set(f, DNA_E_INVALID_JSON,
			    "the JSON text ends early (at byte %zu)", len);
			fail_int(f, "offset", (long long)len);
			rc = DNA_E_INVALID_JSON;
		} else
			rc = jbody_syntax_fail(body, end,
			    json_tokener_error_desc(jerr), f);
		goto out;
	}
	for (i = end; i < len; i++)
		if (!jbody_is_ws(body[i])) {
			fail_set(f, DNA_E_INVALID_JSON,
			    "unexpected data after the JSON value at byte %zu", i);
			fail_int(f, "offset", (long long)i);
			rc = DNA_E_INVALID_JSON;
			goto out;
		}
	if ((i = jbody_words(body, len, &wlen)) < len) {
		rc = jbody_word_fail(body, i, wlen, f);
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		fail_set(f, DNA_E_INVALID_JSON,
		    "the body must be a JSON object, not %s",
		    json_type_to_name(json_object_get_type(obj)));
		rc = DNA_E_INVALID_JSON;
		goto out;
	}
	if ((size_t)json_object_object_length(obj) != names) {
		char dup[48];
		if ((i = jbody_dup_name(body, len, dup, sizeof(dup))) == (size_t)-1) {
			rc = fail_set(f, DNA_E_INTERNAL, NULL);
			goto out;
		}
		if (i < len) {
			fail_set(f, DNA_E_INVALID_JSON,
			    "the member '%s' appears more than once (again at byte "
			    "%zu); give each member once", dup, i);
			fail_int(f, "offset", (long long)i);
			fail_str(f, "field", dup);
		} else
			fail_set(f, DNA_E_INVALID_JSON,
			    "a member name appears more than once (%zu members, %d "
			    "distinct names); give each member once", names,
			    json_object_object_length(obj));
		rc = DNA_E_INVALID_JSON;
		goto out;
	}
	json_object_object_foreach(obj, key, val) {
		(void)val;
		for (i = 0; i < nallowed; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (i == nallowed) {
			char shown[48];
			size_t k, n = strlen(key);
			if (n > 40)
				n = 40;
			for (k = 0; k < n; k++)
				shown[k] = ((unsigned char)key[k] >= 0x20 &&
				    (unsigned char)key[k] < 0x7f && key[k] != '"' &&
				    key[k] != '\\') ? key[k] : '?';
			shown[n] = '\0';
			fail_set(f, DNA_E_UNKNOWN_FIELD,
			    "unknown member '%s'; this endpoint takes only the documented members",
			    shown);
			fail_str(f, "field", shown);
			rc = DNA_E_UNKNOWN_FIELD;
			goto out;
		}
	}
	*out = obj;
	obj = NULL;
out:
	if (obj != NULL)
		json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

enum dna_err
jbody_add(const char *body, size_t len, size_t maxlen, char **seq,
    size_t *seqlen, struct dna_fail *f)
{
	static const char *const allowed[] = { "sequence" };
	json_object *obj = NULL, *js;
	const char *s;
	char *copy = NULL;
	size_t n;
	enum dna_err rc;

	*seq = NULL;
	*seqlen = 0;
	rc = jbody_parse(body, len, allowed, 1, &obj, f);
	if (rc != DNA_OK)
		return rc;
	if (!json_object_object_get_ex(obj, "sequence", &js)) {
		fail_set(f, DNA_E_MISSING_FIELD,
		    "the member \"sequence\" is required");
		fail_str(f, "field", "sequence");
		rc = DNA_E_MISSING_FIELD;
		goto out;
	}
	if (!json_object_is_type(js, json_type_string)) {
		fail_set(f, DNA_E_INVALID_SEQUENCE,
		    "sequence: must be a JSON string, not %s",
		    json_type_to_name(json_object_get_type(js)));
		fail_str(f, "field", "sequence");
		rc = DNA_E_INVALID_SEQUENCE;
		goto out;
	}
	/* js is borrowed from obj; the length json-c reports is the truth
	 * (an escaped \u0000 would end a strlen early). */
	s = json_object_get_string(js);
	n = (size_t)json_object_get_string_len(js);
	if ((copy = malloc(n + 1)) == NULL) {
		rc = fail_set(f, DNA_E_INTERNAL, NULL);
		goto out;
	}
	memcpy(copy, s, n);
	copy[n] = '\0';
	rc = valid_dna(copy, n, maxlen, DNA_E_INVALID_SEQUENCE, "field",
	    "sequence", f);
	if (rc != DNA_OK)
		goto out;
	*seq = copy;
	*seqlen = n;
	copy = NULL;
out:
	free(copy);
	json_object_put(obj);
	return rc;
}
