-- Indexes for searches over a million runs (issue 17).
--
-- latest_metrics_order serves a search ordered by a metric: read in value
-- order from (key, is_nan = 0), it gives the runs with a number for the
-- metric in page order, and the walk stops once the page is full (see
-- sqlstore/search_order.go). It covers the walk: the run's id is in the
-- entry, so a run the filters reject is never read from latest_metrics.
CREATE INDEX latest_metrics_order ON latest_metrics (key, is_nan, value, run_uuid);

-- runs_experiment_name serves run-name filters (attributes.run_name =
-- 'x', LIKE 'prefix%'), which would otherwise read every run of the
-- experiment; runs_experiment_status serves attributes.status filters in the
-- default order, a rare status included.
CREATE INDEX runs_experiment_name ON runs (experiment_id, name);
CREATE INDEX runs_experiment_status ON runs (experiment_id, status, start_time DESC, run_uuid);
