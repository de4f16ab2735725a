-- MLflow 3 traces: a trace's info, tags and metadata, its spans (kept as the
-- JSON MLflow's server answers with, plus the columns searches compare) and
-- its links to runs. Deleting a trace deletes all of it.

CREATE TABLE traces (
    trace_id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    experiment_id     BIGINT NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    client_request_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    timestamp_ms      BIGINT NOT NULL,
    execution_time_ms BIGINT NOT NULL DEFAULT 0,
    status            TEXT COLLATE "C" NOT NULL CHECK (status IN ('STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS')),
    request_preview   TEXT COLLATE "C" NOT NULL DEFAULT '',
    response_preview  TEXT COLLATE "C" NOT NULL DEFAULT '',
    name              TEXT COLLATE "C" NOT NULL DEFAULT '',
    finalized         INTEGER NOT NULL DEFAULT 0
);
-- The default search order is newest first within experiments.
CREATE INDEX traces_experiment ON traces (experiment_id, timestamp_ms DESC, trace_id);

CREATE TABLE trace_tags (
    trace_id TEXT COLLATE "C" NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (trace_id, key)
);
CREATE INDEX trace_tags_key ON trace_tags (key, value);

CREATE TABLE trace_metadata (
    trace_id TEXT COLLATE "C" NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    key      TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (trace_id, key)
);
CREATE INDEX trace_metadata_key ON trace_metadata (key, value);

CREATE TABLE trace_spans (
    trace_id       TEXT COLLATE "C" NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    span_id        TEXT COLLATE "C" NOT NULL,
    parent_span_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    name           TEXT COLLATE "C" NOT NULL,
    type           TEXT COLLATE "C" NOT NULL DEFAULT '',
    status         TEXT COLLATE "C" NOT NULL,
    start_time_ns  BIGINT NOT NULL,
    end_time_ns    BIGINT NOT NULL,
    content        TEXT COLLATE "C" NOT NULL,
    -- search_text is what full-text search (trace.text, span.content)
    -- reads: the name and the attributes' keys and values, without the
    -- JSON field names of content.
    search_text    TEXT COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (trace_id, span_id)
);

-- A link may name a trace the client is still exporting: no foreign key,
-- and DeleteTraces removes the links of the traces it deletes.
CREATE TABLE trace_runs (
    trace_id TEXT COLLATE "C" NOT NULL,
    run_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (trace_id, run_id)
);
CREATE INDEX trace_runs_run ON trace_runs (run_id);

-- Assessments (feedback and expectations) of a trace: the columns lookups
-- and overrides need, and the whole assessment as the client's JSON.
CREATE TABLE trace_assessments (
    assessment_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    trace_id          TEXT COLLATE "C" NOT NULL REFERENCES traces (trace_id) ON DELETE CASCADE,
    create_time_ms    BIGINT NOT NULL,
    overrides         TEXT COLLATE "C" NOT NULL DEFAULT '',
    content           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX trace_assessments_trace ON trace_assessments (trace_id, create_time_ms, assessment_id);
