/*
 * jbody.h: strict decoding of JSON request bodies with json-c. A body must
 * be exactly one JSON object (white space around it allowed), nested at
 * most DNA_JSON_DEPTH deep, in valid UTF-8, with only the members the
 * endpoint takes.
 */
#ifndef JBODY_H
#define JBODY_H

#include <stddef.h>

#include <json-c/json.h>

#include "dnadb.h"

/*
 * Parses body[0..len) into a JSON object whose member names are all in
 * allowed[0..nallowed). On success *out is a new reference the caller
 * releases with json_object_put(). On failure f holds DNA_E_INVALID_JSON
 * (with "offset" when known) or DNA_E_UNKNOWN_FIELD (with "field").
 */
enum dna_err jbody_parse(const char *body, size_t len,
    const char *const *allowed, size_t nallowed, json_object **out,
    struct dna_fail *f);

/*
 * Decodes the body of POST /api/sequences: {"sequence": "ACGT"}. On
 * success *seq is a NUL-terminated, upper-cased copy the caller frees with
 * free(), and *seqlen its length. Fails with invalid_json, unknown_field,
 * missing_field, invalid_sequence or sequence_too_long.
 */
enum dna_err jbody_add(const char *body, size_t len, size_t maxlen,
    char **seq, size_t *seqlen, struct dna_fail *f);

#endif /* JBODY_H */
