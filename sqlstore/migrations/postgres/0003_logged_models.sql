-- MLflow 3 logged models: a model's files, params and tags, linked to the
-- experiment and run that produced it. Deletion is soft, as in MLflow.
-- Metrics logged with a model_id stay in the metrics table (see the end of
-- this file), so a model's metrics are not kept twice.

CREATE TABLE logged_models (
    model_id                  TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    experiment_id             BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name                      TEXT COLLATE "C"    NOT NULL,
    artifact_location         TEXT COLLATE "C"    NOT NULL,
    creation_timestamp_ms     BIGINT NOT NULL,
    last_updated_timestamp_ms BIGINT NOT NULL,
    status                    TEXT COLLATE "C"    NOT NULL CHECK (status IN ('LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED')),
    status_message            TEXT COLLATE "C"    NOT NULL DEFAULT '',
    lifecycle_stage           TEXT COLLATE "C"    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    model_type                TEXT COLLATE "C"    NOT NULL DEFAULT '',
    source_run_id             TEXT COLLATE "C"    NOT NULL DEFAULT ''
);
-- The default search order is creation time DESC, model_id within experiments.
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_timestamp_ms DESC, model_id);

CREATE TABLE logged_model_params (
    model_id TEXT COLLATE "C" NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE logged_model_tags (
    model_id TEXT COLLATE "C" NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (model_id, key)
);

-- model_id joins the metrics primary key: two models evaluated in one run may
-- log the same (key, step, timestamp, value), and each must keep its row. A
-- retry for the same model is still a no-op. (SQLite rebuilds the table;
-- PostgreSQL can swap the key in place.)
ALTER TABLE metrics DROP CONSTRAINT metrics_pkey,
    ADD PRIMARY KEY (run_uuid, key, step, timestamp, value, is_nan, model_id);

-- A model's metrics are found by model_id; most rows have none.
CREATE INDEX metrics_model ON metrics (model_id, key) WHERE model_id <> '';
