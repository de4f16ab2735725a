-- A search with an equality on a param (params.p = 'x') in one experiment,
-- in the default order, can read the matching runs straight from an index in
-- page order and stop when the page is full, instead of walking every run of
-- the experiment and probing its params (see searchPage.paramWalk). That
-- index needs the run's experiment and start time next to the param, so
-- params carries copies of both: neither ever changes once the run exists.
-- params_walk starts with params_key_value's columns and replaces it.
ALTER TABLE params
    ADD COLUMN experiment_id BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN start_time    BIGINT NOT NULL DEFAULT 0;
UPDATE params p SET experiment_id = r.experiment_id, start_time = r.start_time
    FROM runs r WHERE r.run_uuid = p.run_uuid;
CREATE INDEX params_walk ON params (key, value, experiment_id, start_time DESC, run_uuid);
DROP INDEX params_key_value;
