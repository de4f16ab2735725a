-- MLflow 3 evaluation datasets (metadata, tags, records, links to
-- experiments) and registered scorers (versions of a serialized judge per
-- experiment and name). Records keep their JSON parts as the client sent
-- them, plus the hash of their inputs that upserts merge on.

CREATE TABLE eval_datasets (
    dataset_id       TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    schema_json      TEXT    NOT NULL DEFAULT '',
    profile_json     TEXT    NOT NULL DEFAULT '',
    digest           TEXT    NOT NULL,
    created_time     INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    created_by       TEXT    NOT NULL DEFAULT '',
    last_updated_by  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX eval_datasets_created ON eval_datasets (created_time DESC, dataset_id);

CREATE TABLE eval_dataset_tags (
    dataset_id TEXT NOT NULL REFERENCES eval_datasets (dataset_id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (dataset_id, key)
) WITHOUT ROWID;

CREATE TABLE eval_dataset_experiments (
    dataset_id    TEXT    NOT NULL REFERENCES eval_datasets (dataset_id) ON DELETE CASCADE,
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    created_time  INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, experiment_id)
) WITHOUT ROWID;
CREATE INDEX eval_dataset_experiments_experiment ON eval_dataset_experiments (experiment_id);

CREATE TABLE eval_dataset_records (
    record_id        TEXT    NOT NULL PRIMARY KEY,
    dataset_id       TEXT    NOT NULL REFERENCES eval_datasets (dataset_id) ON DELETE CASCADE,
    input_hash       TEXT    NOT NULL,
    inputs           TEXT    NOT NULL,
    outputs          TEXT,
    expectations     TEXT,
    tags             TEXT    NOT NULL,
    source           TEXT,
    source_id        TEXT    NOT NULL DEFAULT '',
    source_type      TEXT    NOT NULL DEFAULT '',
    created_time     INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    created_by       TEXT    NOT NULL DEFAULT '',
    last_updated_by  TEXT    NOT NULL DEFAULT '',
    UNIQUE (dataset_id, input_hash)
);
-- Records are read in creation order, paged by (created_time, record_id).
CREATE INDEX eval_dataset_records_order ON eval_dataset_records (dataset_id, created_time, record_id);

CREATE TABLE scorers (
    scorer_id     TEXT    NOT NULL PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    UNIQUE (experiment_id, name)
);

CREATE TABLE scorer_versions (
    scorer_id     TEXT    NOT NULL REFERENCES scorers (scorer_id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    serialized    TEXT    NOT NULL,
    creation_time INTEGER NOT NULL,
    PRIMARY KEY (scorer_id, version)
) WITHOUT ROWID;
