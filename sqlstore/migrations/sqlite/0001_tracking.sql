-- Tracking schema: experiments, runs and everything logged to them.
-- Experiment IDs are integers (0 is "Default"); run IDs are 32-char hex uuid4.
-- Tables keyed by (run, key)-like composite keys are WITHOUT ROWID: the rows
-- live in the primary-key b-tree, so lookups and history scans touch one
-- tree instead of an index plus the table.

CREATE TABLE experiments (
    experiment_id     INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    artifact_location TEXT    NOT NULL DEFAULT '',
    lifecycle_stage   TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     INTEGER NOT NULL,
    last_update_time  INTEGER NOT NULL
);

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;

CREATE TABLE runs (
    run_uuid        TEXT    NOT NULL PRIMARY KEY,
    name            TEXT    NOT NULL DEFAULT '',
    experiment_id   INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    user_id         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time      INTEGER NOT NULL,
    end_time        INTEGER,
    artifact_uri    TEXT    NOT NULL DEFAULT '',
    lifecycle_stage TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    deleted_time    INTEGER
);
-- The default search order is start_time DESC, run_uuid within a set of experiments.
CREATE INDEX runs_experiment_start ON runs (experiment_id, start_time DESC, run_uuid);

CREATE TABLE params (
    run_uuid TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
-- Equality filters on params and tags start from these (see runFilter).
CREATE INDEX params_key_value ON params (key, value);

CREATE TABLE tags (
    run_uuid TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;
CREATE INDEX tags_key_value ON tags (key, value);

-- metrics is the full history. NaN cannot be stored in a REAL column (SQLite
-- turns it into NULL), so it is stored as value 0 with is_nan 1; ±Inf is stored
-- as is. The primary key makes a retried (key, step, timestamp, value) a no-op
-- and serves history reads ordered by step, timestamp.
CREATE TABLE metrics (
    run_uuid       TEXT    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key            TEXT    NOT NULL,
    step           INTEGER NOT NULL DEFAULT 0,
    timestamp      INTEGER NOT NULL,
    value          REAL    NOT NULL,
    is_nan         INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
    model_id       TEXT    NOT NULL DEFAULT '',
    dataset_name   TEXT    NOT NULL DEFAULT '',
    dataset_digest TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (run_uuid, key, step, timestamp, value, is_nan)
) WITHOUT ROWID;

-- latest_metrics holds, per run and key, the value with the greatest
-- (step, timestamp, value): what GetRun shows and what search filters compare.
CREATE TABLE latest_metrics (
    run_uuid       TEXT    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key            TEXT    NOT NULL,
    step           INTEGER NOT NULL,
    timestamp      INTEGER NOT NULL,
    value          REAL    NOT NULL,
    is_nan         INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
    model_id       TEXT    NOT NULL DEFAULT '',
    dataset_name   TEXT    NOT NULL DEFAULT '',
    dataset_digest TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (run_uuid, key)
) WITHOUT ROWID;

-- Datasets are shared by the runs of one experiment, identified by name and digest.
CREATE TABLE datasets (
    dataset_uuid        TEXT    NOT NULL PRIMARY KEY,
    experiment_id       INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    digest              TEXT    NOT NULL,
    dataset_source_type TEXT    NOT NULL,
    dataset_source      TEXT    NOT NULL,
    dataset_schema      TEXT    NOT NULL DEFAULT '',
    dataset_profile     TEXT    NOT NULL DEFAULT '',
    UNIQUE (experiment_id, name, digest)
);

-- inputs links a dataset to a run that used it.
CREATE TABLE inputs (
    input_uuid   TEXT NOT NULL PRIMARY KEY,
    dataset_uuid TEXT NOT NULL REFERENCES datasets (dataset_uuid) ON DELETE CASCADE,
    run_uuid     TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    UNIQUE (run_uuid, dataset_uuid)
);
CREATE INDEX inputs_dataset ON inputs (dataset_uuid);

CREATE TABLE input_tags (
    input_uuid TEXT NOT NULL REFERENCES inputs (input_uuid) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (input_uuid, name)
) WITHOUT ROWID;
-- datasets.context filters look up the mlflow.data.context tag by value.
CREATE INDEX input_tags_name_value ON input_tags (name, value);

-- Logged models a run used and produced. Model IDs are not foreign keys: the
-- logged-model store may live elsewhere.
CREATE TABLE model_inputs (
    run_uuid TEXT NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    PRIMARY KEY (run_uuid, model_id)
) WITHOUT ROWID;

CREATE TABLE model_outputs (
    run_uuid TEXT    NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    model_id TEXT    NOT NULL,
    step     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_uuid, model_id, step)
) WITHOUT ROWID;
