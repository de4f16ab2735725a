-- Model registry: registered models, their numbered versions, tags and
-- aliases, and the webhooks that announce registry events.
-- Versions reference their model by name with ON UPDATE CASCADE, so renaming
-- a model renames the rows of its versions, tags and aliases in one statement.

CREATE TABLE registered_models (
    name              TEXT    NOT NULL PRIMARY KEY,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    user_id           TEXT    NOT NULL DEFAULT '',
    -- last_version is the greatest version number ever given, so a deleted
    -- version's number is never given again.
    last_version      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE registered_model_tags (
    name  TEXT NOT NULL REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;
CREATE INDEX registered_model_tags_key_value ON registered_model_tags (key, value);

CREATE TABLE model_versions (
    name              TEXT    NOT NULL REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    version           INTEGER NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    user_id           TEXT    NOT NULL DEFAULT '',
    current_stage     TEXT    NOT NULL DEFAULT 'None' CHECK (current_stage IN ('None', 'Staging', 'Production', 'Archived')),
    -- source is what the client registered; storage_location is where the
    -- files are (runs:/ and models:/ sources resolved), what download URIs give.
    source            TEXT    NOT NULL DEFAULT '',
    storage_location  TEXT    NOT NULL DEFAULT '',
    run_id            TEXT    NOT NULL DEFAULT '',
    run_link          TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'READY',
    status_message    TEXT    NOT NULL DEFAULT '',
    model_id          TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_run ON model_versions (run_id);
-- A stage's latest version is one seek: MAX(version) for (name, stage).
CREATE INDEX model_versions_stage ON model_versions (name, current_stage, version);
CREATE INDEX model_versions_model ON model_versions (model_id) WHERE model_id <> '';
-- The default search order is last_updated_time DESC, name, version DESC.
CREATE INDEX model_versions_updated ON model_versions (last_updated_time DESC, name, version DESC);

CREATE TABLE model_version_tags (
    name    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    key     TEXT    NOT NULL,
    value   TEXT    NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX model_version_tags_key_value ON model_version_tags (key, value);

-- An alias points at one version; deleting the version deletes its aliases.
CREATE TABLE registered_model_aliases (
    name    TEXT    NOT NULL,
    alias   TEXT    NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;

CREATE TABLE webhooks (
    webhook_id             TEXT    NOT NULL PRIMARY KEY,
    name                   TEXT    NOT NULL,
    description            TEXT    NOT NULL DEFAULT '',
    url                    TEXT    NOT NULL,
    status                 TEXT    NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
    secret                 TEXT    NOT NULL DEFAULT '',
    creation_timestamp     INTEGER NOT NULL,
    last_updated_timestamp INTEGER NOT NULL
);
CREATE INDEX webhooks_created ON webhooks (creation_timestamp DESC, webhook_id);

CREATE TABLE webhook_events (
    webhook_id TEXT NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    entity     TEXT NOT NULL,
    action     TEXT NOT NULL,
    PRIMARY KEY (webhook_id, entity, action)
) WITHOUT ROWID;
CREATE INDEX webhook_events_event ON webhook_events (entity, action);
