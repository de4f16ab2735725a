package pipeline

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
)

// periodMetric is what monitoring reports per period for a multiclass or
// regression task.
func periodMetric(task string) string {
	if task == ml.TaskRegression {
		return "rmse"
	}
	return "accuracy"
}

// monitorTask replays the holdout of a multiclass or regression task
// period by period through the registered model: input and prediction
// drift against the training rows, and the task's metric in each period.
// The retraining decision rests on drift, the share of drifted features.
func (r *Runner) monitorTask(ctx context.Context, dir string, p *predictor.Predictor, groups []replayGroup) (any, error) {
	out := MonitoringSummary{Status: "done", ReplayedThrough: "the registered model's files, loaded in-process"}
	task, k := r.st.info.Task, len(r.st.info.Classes)
	f, _, err := r.features()
	if err != nil {
		return nil, err
	}
	ref, err := r.scoredTraining(p)
	if err != nil {
		return nil, err
	}
	prof, err := monitor.NewProfile(ref, r.profileOptions())
	if err != nil {
		return nil, err
	}
	out.ReferenceProfile = filepath.Join(dir, mlmodel.ReferenceProfileFile)
	if err := writeJSON(out.ReferenceProfile, prof); err != nil {
		return nil, err
	}
	opts := monitor.NewDriftOptions()
	opts.Target, opts.Prediction = r.Spec.Data.Target, predictionColumn
	if s := r.Spec.Monitoring.DriftShare; s > 0 {
		opts.DriftShare = s
	}
	var last *monitor.DatasetDrift
	rows := 0
	for _, g := range groups {
		cur, err := f.Take(g.rows)
		if err != nil {
			return nil, err
		}
		pc, err := predictionOf(p, cur)
		if err != nil {
			return nil, err
		}
		if cur, err = cur.With(predictionColumn, pc); err != nil {
			return nil, err
		}
		d, err := monitor.Drift(ctx, ref, cur, opts)
		if err != nil {
			return nil, err
		}
		last = d
		y, err := r.st.target(g.rows)
		if err != nil {
			return nil, err
		}
		pred, err := predictHoldout(p, cur)
		if err != nil {
			return nil, err
		}
		m, err := taskMetrics(task, y, pred, k)
		if err != nil {
			return nil, fmt.Errorf("monitoring %s: %w", g.name, err)
		}
		pm := PeriodMonitor{Period: g.name, Rows: len(g.rows), Metric: periodMetric(task), Score: m[periodMetric(task)], DriftShare: d.Share}
		for _, c := range d.Columns {
			if c.Drifted {
				pm.DriftedColumns = append(pm.DriftedColumns, c.Column)
			}
		}
		out.Periods = append(out.Periods, pm)
		rows += len(g.rows)
	}
	share := opts.DriftShare
	rules := []monitor.Rule{{Name: "feature drift", Kind: "drift_share", Above: &share}}
	alerts, err := monitor.Evaluate(rules, last, nil)
	if err != nil {
		return nil, err
	}
	out.Retrain, out.Decision = decide(alerts, "no drift rule fired")
	rep := r.replayReport(groups, last, alerts)
	if err := r.writeMonitoring(ctx, dir, rep, out); err != nil {
		return nil, err
	}
	return out, loadMonitor(r, mustJSON(out))
}
