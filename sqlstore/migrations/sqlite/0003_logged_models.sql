-- MLflow 3 logged models: a model's files, params and tags, linked to the
-- experiment and run that produced it. Deletion is soft, as in MLflow.
-- Metrics logged with a model_id stay in the metrics table (see the end of
-- this file), so a model's metrics are not kept twice.

CREATE TABLE logged_models (
    model_id                  TEXT    NOT NULL PRIMARY KEY,
    experiment_id             INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name                      TEXT    NOT NULL,
    artifact_location         TEXT    NOT NULL,
    creation_timestamp_ms     INTEGER NOT NULL,
    last_updated_timestamp_ms INTEGER NOT NULL,
    status                    TEXT    NOT NULL CHECK (status IN ('LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED')),
    status_message            TEXT    NOT NULL DEFAULT '',
    lifecycle_stage           TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    model_type                TEXT    NOT NULL DEFAULT '',
    source_run_id             TEXT    NOT NULL DEFAULT ''
);
-- The default search order is creation time DESC, model_id within experiments.
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_timestamp_ms DESC, model_id);

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

-- The metrics table is rebuilt with model_id in its primary key: two models
-- evaluated in one run may log the same (key, step, timestamp, value), and
-- each must keep its row. A retry for the same model is still a no-op.
CREATE TABLE metrics_by_model (
    run_uuid       TEXT    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key            TEXT    NOT NULL,
    step           INTEGER NOT NULL DEFAULT 0,
    timestamp      INTEGER NOT NULL,
    value          REAL    NOT NULL,
    is_nan         INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
    model_id       TEXT    NOT NULL DEFAULT '',
    dataset_name   TEXT    NOT NULL DEFAULT '',
    dataset_digest TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (run_uuid, key, step, timestamp, value, is_nan, model_id)
) WITHOUT ROWID;
INSERT INTO metrics_by_model SELECT run_uuid, key, step, timestamp, value, is_nan, model_id, dataset_name, dataset_digest FROM metrics;
DROP TABLE metrics;
ALTER TABLE metrics_by_model RENAME TO metrics;

-- A model's metrics are found by model_id; most rows have none.
CREATE INDEX metrics_model ON metrics (model_id, key) WHERE model_id <> '';
