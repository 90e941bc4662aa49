-- 003: API tokens (src/auth.h, SECURITY.md).
--
-- A token is shown once, at creation, as dnadb_<selector>_<secret>: the
-- selector (16 hex digits) finds the row, and only the SHA-256 of the
-- secret (32 random bytes) is stored, so a copy of this table gives no
-- usable token. The worker compares the hash in constant time. Revoking
-- keeps the row (for the record) and frees the name for a new token.

CREATE TABLE api_tokens (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL
                   CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    scope          text NOT NULL CHECK (scope IN ('read', 'write')),
    selector       text NOT NULL UNIQUE CHECK (selector ~ '^[0-9a-f]{16}$'),
    secret_sha256  text NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    revoked_at     timestamptz
);

-- One live token per name; revoked ones keep theirs.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name)
    WHERE revoked_at IS NULL;

COMMENT ON TABLE api_tokens IS
    'API bearer tokens: managed by dnadb token create|list|revoke; the secret itself is never stored.';
