-- Model registry: registered models, their numbered versions, tags and
-- aliases, and the webhooks that announce registry events.
-- Versions reference their model by name with ON UPDATE CASCADE, so renaming
-- a model renames the rows of its versions, tags and aliases in one statement.

CREATE TABLE registered_models (
    name              TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    description       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    user_id           TEXT COLLATE "C"    NOT NULL DEFAULT '',
    -- last_version is the greatest version number ever given, so a deleted
    -- version's number is never given again.
    last_version      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE registered_model_tags (
    name  TEXT COLLATE "C" NOT NULL REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    key   TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE INDEX registered_model_tags_key_value ON registered_model_tags (key, value);

CREATE TABLE model_versions (
    name              TEXT COLLATE "C"    NOT NULL REFERENCES registered_models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    version           BIGINT NOT NULL,
    creation_time     BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    description       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    user_id           TEXT COLLATE "C"    NOT NULL DEFAULT '',
    current_stage     TEXT COLLATE "C"    NOT NULL DEFAULT 'None' CHECK (current_stage IN ('None', 'Staging', 'Production', 'Archived')),
    -- source is what the client registered; storage_location is where the
    -- files are (runs:/ and models:/ sources resolved), what download URIs give.
    source            TEXT COLLATE "C"    NOT NULL DEFAULT '',
    storage_location  TEXT COLLATE "C"    NOT NULL DEFAULT '',
    run_id            TEXT COLLATE "C"    NOT NULL DEFAULT '',
    run_link          TEXT COLLATE "C"    NOT NULL DEFAULT '',
    status            TEXT COLLATE "C"    NOT NULL DEFAULT 'READY',
    status_message    TEXT COLLATE "C"    NOT NULL DEFAULT '',
    model_id          TEXT COLLATE "C"    NOT NULL DEFAULT '',
    PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_run ON model_versions (run_id);
-- A stage's latest version is one seek: MAX(version) for (name, stage).
CREATE INDEX model_versions_stage ON model_versions (name, current_stage, version);
CREATE INDEX model_versions_model ON model_versions (model_id) WHERE model_id <> '';
-- The default search order is last_updated_time DESC, name, version DESC.
CREATE INDEX model_versions_updated ON model_versions (last_updated_time DESC, name, version DESC);

CREATE TABLE model_version_tags (
    name    TEXT COLLATE "C"    NOT NULL,
    version BIGINT NOT NULL,
    key     TEXT COLLATE "C"    NOT NULL,
    value   TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX model_version_tags_key_value ON model_version_tags (key, value);

-- An alias points at one version; deleting the version deletes its aliases.
CREATE TABLE registered_model_aliases (
    name    TEXT COLLATE "C"    NOT NULL,
    alias   TEXT COLLATE "C"    NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE webhooks (
    webhook_id             TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    name                   TEXT COLLATE "C"    NOT NULL,
    description            TEXT COLLATE "C"    NOT NULL DEFAULT '',
    url                    TEXT COLLATE "C"    NOT NULL,
    status                 TEXT COLLATE "C"    NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
    secret                 TEXT COLLATE "C"    NOT NULL DEFAULT '',
    creation_timestamp     BIGINT NOT NULL,
    last_updated_timestamp BIGINT NOT NULL
);
CREATE INDEX webhooks_created ON webhooks (creation_timestamp DESC, webhook_id);

CREATE TABLE webhook_events (
    webhook_id TEXT COLLATE "C" NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    entity     TEXT COLLATE "C" NOT NULL,
    action     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (webhook_id, entity, action)
);
CREATE INDEX webhook_events_event ON webhook_events (entity, action);
