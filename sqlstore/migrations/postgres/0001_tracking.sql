-- Tracking schema for PostgreSQL, the same tables, keys and indexes as
-- ../sqlite/0001_tracking.sql: BIGINT for SQLite's INTEGER, DOUBLE PRECISION
-- for REAL, TEXT COLLATE "C" for TEXT so that text sorts and compares by
-- bytes, as SQLite's BINARY collation does, whatever the database locale.
-- Experiment IDs are integers (0 is "Default"); run IDs are 32-char hex uuid4.
-- Experiment IDs are given as MAX + 1 inside the store's write transaction,
-- which holds the writer advisory lock, as in SQLite; no sequence, so both
-- dialects number experiments the same way.

CREATE TABLE experiments (
    experiment_id     BIGINT PRIMARY KEY,
    name              TEXT COLLATE "C"    NOT NULL UNIQUE,
    artifact_location TEXT COLLATE "C"    NOT NULL DEFAULT '',
    lifecycle_stage   TEXT COLLATE "C"    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     BIGINT NOT NULL,
    last_update_time  BIGINT NOT NULL
);

CREATE TABLE experiment_tags (
    experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    key           TEXT COLLATE "C"    NOT NULL,
    value         TEXT COLLATE "C"    NOT NULL,
    PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
    run_uuid        TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    name            TEXT COLLATE "C"    NOT NULL DEFAULT '',
    experiment_id   BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    user_id         TEXT COLLATE "C"    NOT NULL DEFAULT '',
    status          TEXT COLLATE "C"    NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time      BIGINT NOT NULL,
    end_time        BIGINT,
    artifact_uri    TEXT COLLATE "C"    NOT NULL DEFAULT '',
    lifecycle_stage TEXT COLLATE "C"    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    deleted_time    BIGINT
);
-- The default search order is start_time DESC, run_uuid within a set of experiments.
CREATE INDEX runs_experiment_start ON runs (experiment_id, start_time DESC, run_uuid);

CREATE TABLE params (
    run_uuid TEXT COLLATE "C" NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_uuid, key)
);
-- Equality filters on params and tags start from these (see runFilter).
CREATE INDEX params_key_value ON params (key, value);

CREATE TABLE tags (
    run_uuid TEXT COLLATE "C" NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_uuid, key)
);
CREATE INDEX tags_key_value ON tags (key, value);

-- metrics is the full history. NaN is stored as value 0 with is_nan 1, as in
-- SQLite (which cannot store NaN), so that both dialects order and compare
-- values alike; ±Inf is stored as is. The primary key makes a retried (key, step, timestamp, value) a no-op
-- and serves history reads ordered by step, timestamp.
CREATE TABLE metrics (
    run_uuid       TEXT COLLATE "C"    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key            TEXT COLLATE "C"    NOT NULL,
    step           BIGINT NOT NULL DEFAULT 0,
    timestamp      BIGINT NOT NULL,
    value          DOUBLE PRECISION    NOT NULL,
    is_nan         BIGINT NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
    model_id       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    dataset_name   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    dataset_digest TEXT COLLATE "C"    NOT NULL DEFAULT '',
    PRIMARY KEY (run_uuid, key, step, timestamp, value, is_nan)
);

-- latest_metrics holds, per run and key, the value with the greatest
-- (step, timestamp, value): what GetRun shows and what search filters compare.
CREATE TABLE latest_metrics (
    run_uuid       TEXT COLLATE "C"    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key            TEXT COLLATE "C"    NOT NULL,
    step           BIGINT NOT NULL,
    timestamp      BIGINT NOT NULL,
    value          DOUBLE PRECISION    NOT NULL,
    is_nan         BIGINT NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
    model_id       TEXT COLLATE "C"    NOT NULL DEFAULT '',
    dataset_name   TEXT COLLATE "C"    NOT NULL DEFAULT '',
    dataset_digest TEXT COLLATE "C"    NOT NULL DEFAULT '',
    PRIMARY KEY (run_uuid, key)
);

-- Datasets are shared by the runs of one experiment, identified by name and digest.
CREATE TABLE datasets (
    dataset_uuid        TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    experiment_id       BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name                TEXT COLLATE "C"    NOT NULL,
    digest              TEXT COLLATE "C"    NOT NULL,
    dataset_source_type TEXT COLLATE "C"    NOT NULL,
    dataset_source      TEXT COLLATE "C"    NOT NULL,
    dataset_schema      TEXT COLLATE "C"    NOT NULL DEFAULT '',
    dataset_profile     TEXT COLLATE "C"    NOT NULL DEFAULT '',
    UNIQUE (experiment_id, name, digest)
);

-- inputs links a dataset to a run that used it.
CREATE TABLE inputs (
    input_uuid   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    dataset_uuid TEXT COLLATE "C" NOT NULL REFERENCES datasets (dataset_uuid) ON DELETE CASCADE,
    run_uuid     TEXT COLLATE "C" NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    UNIQUE (run_uuid, dataset_uuid)
);
CREATE INDEX inputs_dataset ON inputs (dataset_uuid);

CREATE TABLE input_tags (
    input_uuid TEXT COLLATE "C" NOT NULL REFERENCES inputs (input_uuid) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (input_uuid, name)
);
-- datasets.context filters look up the mlflow.data.context tag by value.
CREATE INDEX input_tags_name_value ON input_tags (name, value);

-- Logged models a run used and produced. Model IDs are not foreign keys: the
-- logged-model store may live elsewhere.
CREATE TABLE model_inputs (
    run_uuid TEXT COLLATE "C" NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    model_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_uuid, model_id)
);

CREATE TABLE model_outputs (
    run_uuid TEXT COLLATE "C"    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    model_id TEXT COLLATE "C"    NOT NULL,
    step     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_uuid, model_id, step)
);
