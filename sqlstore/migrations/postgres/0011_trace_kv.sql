-- A trace row carries a packed copy of its tags and metadata (issue 15),
-- so a page of 100 traces is read in one statement: listing the key/value
-- rows of 100 traces cost as much as finding the page. trace_tags and
-- trace_metadata stay the truth that searches filter on; every write to
-- them repacks the trace's row in the same transaction (sqlstore/trace_kv.go,
-- which also describes the format).
ALTER TABLE traces ADD COLUMN kv TEXT NOT NULL DEFAULT '';

UPDATE traces SET kv = COALESCE((SELECT string_agg(x, '') FROM (
    SELECT 't' || octet_length(k.key) || ':' || k.key || octet_length(k.value) || ':' || k.value AS x
    FROM trace_tags k WHERE k.trace_id = traces.trace_id
    UNION ALL
    SELECT 'm' || octet_length(m.key) || ':' || m.key || octet_length(m.value) || ':' || m.value
    FROM trace_metadata m WHERE m.trace_id = traces.trace_id) AS p), '');

-- assessments counts the trace's assessments, so that a page of traces
-- looks assessments up only for the traces that have some.
ALTER TABLE traces ADD COLUMN assessments INTEGER NOT NULL DEFAULT 0;

UPDATE traces SET assessments = (SELECT COUNT(*) FROM trace_assessments a WHERE a.trace_id = traces.trace_id);

-- traces_status serves a search by state, newest first (the trace table
-- filtered to errors, or to OK traces of a tag): the walk reads only the
-- traces in that state, and tests the state without reading the row.
CREATE INDEX traces_status ON traces (experiment_id, status, timestamp_ms DESC, trace_id);
