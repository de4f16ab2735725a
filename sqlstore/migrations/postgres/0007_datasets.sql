-- MLflow 3 evaluation datasets (metadata, tags, records, links to
-- experiments) and registered scorers (versions of a serialized judge per
-- experiment and name). Records keep their JSON parts as the client sent
-- them, plus the hash of their inputs that upserts merge on.

CREATE TABLE eval_datasets (
    dataset_id       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name             TEXT COLLATE "C" NOT NULL,
    schema_json      TEXT COLLATE "C" NOT NULL DEFAULT '',
    profile_json     TEXT COLLATE "C" NOT NULL DEFAULT '',
    digest           TEXT COLLATE "C" NOT NULL,
    created_time     BIGINT NOT NULL,
    last_update_time BIGINT NOT NULL,
    created_by       TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_updated_by  TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX eval_datasets_created ON eval_datasets (created_time DESC, dataset_id);

CREATE TABLE eval_dataset_tags (
    dataset_id TEXT COLLATE "C" NOT NULL REFERENCES eval_datasets (dataset_id) ON DELETE CASCADE,
    key        TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (dataset_id, key)
);

CREATE TABLE eval_dataset_experiments (
    dataset_id    TEXT COLLATE "C" NOT NULL REFERENCES eval_datasets (dataset_id) ON DELETE CASCADE,
    experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    created_time  BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, experiment_id)
);
CREATE INDEX eval_dataset_experiments_experiment ON eval_dataset_experiments (experiment_id);

CREATE TABLE eval_dataset_records (
    record_id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    dataset_id       TEXT COLLATE "C" NOT NULL REFERENCES eval_datasets (dataset_id) ON DELETE CASCADE,
    input_hash       TEXT COLLATE "C" NOT NULL,
    inputs           TEXT COLLATE "C" NOT NULL,
    outputs          TEXT COLLATE "C",
    expectations     TEXT COLLATE "C",
    tags             TEXT COLLATE "C" NOT NULL,
    source           TEXT COLLATE "C",
    source_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    source_type      TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_time     BIGINT NOT NULL,
    last_update_time BIGINT NOT NULL,
    created_by       TEXT COLLATE "C" NOT NULL DEFAULT '',
    last_updated_by  TEXT COLLATE "C" NOT NULL DEFAULT '',
    UNIQUE (dataset_id, input_hash)
);
-- Records are read in creation order, paged by (created_time, record_id).
CREATE INDEX eval_dataset_records_order ON eval_dataset_records (dataset_id, created_time, record_id);

CREATE TABLE scorers (
    scorer_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name          TEXT COLLATE "C" NOT NULL,
    UNIQUE (experiment_id, name)
);

CREATE TABLE scorer_versions (
    scorer_id     TEXT COLLATE "C" NOT NULL REFERENCES scorers (scorer_id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,
    serialized    TEXT COLLATE "C" NOT NULL,
    creation_time BIGINT NOT NULL,
    PRIMARY KEY (scorer_id, version)
);
