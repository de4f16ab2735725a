// Package monitor watches a deployed model: reference profiles saved with the
// model, drift tests between a reference and a current window (the same
// tests, thresholds and per-column choices as Evidently, with SciPy's
// statistics), performance over windows of labelled predictions with an
// estimate before labels arrive, alert rules, and an HTML report with a JSON
// twin.
//
// It imports only the standard library and Weir's domain packages (ml/frame
// for typed columns, ml/metrics for ROC AUC and calibration).
package monitor
