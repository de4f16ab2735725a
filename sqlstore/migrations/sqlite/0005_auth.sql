-- Users, their permissions on experiments and registered models, and their
-- tokens (API tokens and browser sessions), for `weir server --app-name
-- basic-auth`. Passwords are bcrypt hashes; tokens are kept only as the
-- SHA-256 of their secret. A grant names its resource by ID (experiments) or
-- name (registered models) without a foreign key, as MLflow's auth database
-- does: a rename or delete moves or drops the grants explicitly.
CREATE TABLE auth_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE auth_grants (
    user_id       INTEGER NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    resource_type TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    permission    TEXT    NOT NULL,
    PRIMARY KEY (user_id, resource_type, resource_id)
);
CREATE INDEX auth_grants_resource ON auth_grants (resource_type, resource_id);

CREATE TABLE auth_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL DEFAULT '',
    scopes       TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);
