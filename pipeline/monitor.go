package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
)

// predictionColumn names the model's score in monitored frames.
const predictionColumn = "prediction"

func runMonitor(ctx context.Context, r *Runner, dir string) (any, error) {
	ms := r.Spec.Monitoring
	out := MonitoringSummary{Status: "done"}
	groups, err := r.replayGroups()
	if err != nil {
		return nil, err
	}
	// Replay through the registered model exactly as saved, the files the
	// scoring server loads.
	m, err := mlmodel.Load(r.st.modelDir)
	if err != nil {
		return nil, err
	}
	if r.st.info.Task != ml.TaskBinary {
		return r.monitorTask(ctx, dir, m.Predictor, groups)
	}
	f, _, err := r.features()
	if err != nil {
		return nil, err
	}
	out.ReplayedThrough = "the registered model's files, loaded in-process"
	var server Scorer
	if r.Serve != nil {
		if server, err = r.Serve(ctx, r.st.modelDir); err != nil {
			return nil, fmt.Errorf("starting the scoring server: %w", err)
		}
		out.ReplayedThrough = "the scoring server at " + server.URL()
	}
	scored := func(rows []int) (*frame.Frame, []float64, []float64, error) {
		g, err := f.Take(rows)
		if err != nil {
			return nil, nil, nil, err
		}
		var proba []float64
		if server != nil {
			proba, err = server.Score(ctx, g)
		} else {
			proba, _, err = m.Predictor.PredictFrame(g)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		g, err = g.With(predictionColumn, &frame.FloatColumn{Values: proba})
		if err != nil {
			return nil, nil, nil, err
		}
		y, err := r.st.target(rows)
		return g, proba, y, err
	}
	ref, err := r.scoredTraining(m.Predictor)
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
	var rows []int
	var preds []monitor.Prediction
	var validAUC float64
	for _, c := range r.st.candidates {
		if c.Learner == r.st.winner {
			validAUC = c.ValidScore
		}
	}
	opts := monitor.NewDriftOptions()
	opts.Target, opts.Prediction = r.Spec.Data.Target, predictionColumn
	if ms.DriftShare > 0 {
		opts.DriftShare = ms.DriftShare
	}
	var lastDrift *monitor.DatasetDrift
	for _, g := range groups {
		pr := g.rows
		cur, proba, y, err := scored(pr)
		if err != nil {
			return nil, err
		}
		d, err := monitor.Drift(ctx, ref, cur, opts)
		if err != nil {
			return nil, err
		}
		lastDrift = d
		auc, _ := metrics.ROCAUC(y, proba, nil)
		pm := PeriodMonitor{Period: g.name, Rows: len(pr), AUC: auc, PositiveRate: mean(y), MeanPrediction: mean(proba), DriftShare: d.Share}
		for _, c := range d.Columns {
			if c.Drifted {
				pm.DriftedColumns = append(pm.DriftedColumns, c.Column)
			}
		}
		out.Periods = append(out.Periods, pm)
		// The rows carry no times: windows cut them in replay order and
		// are named by their rows, as weir monitor report names a CSV's.
		for k, i := range pr {
			preds = append(preds, monitor.Prediction{Row: i, Score: proba[k], Label: y[k], HasLabel: true})
		}
		rows = append(rows, pr...)
	}
	size := ms.WindowSize
	if size <= 0 {
		size = 2000
	}
	b := r.Spec.Business
	wo := monitor.WindowOptions{Size: size, Threshold: r.st.threshold,
		Value: monitor.Value{TP: b.ValuePerConversion - b.CostPerContact, FP: -b.CostPerContact}}
	windows, err := monitor.Windows(preds, wo)
	if err != nil {
		return nil, err
	}
	// Named with their periods before the rules run, so that an alert
	// names its window so; without periods the groups are rows already.
	if r.st.periods != nil {
		windows = nameWindows(windows, groups)
	}
	share, drop := opts.DriftShare, ms.MaxAUCDrop
	if drop <= 0 {
		drop = 0.05
	}
	rules := []monitor.Rule{
		{Name: "feature drift", Kind: "drift_share", Above: &share},
		{Name: "ROC AUC drop", Kind: "metric_drop", Metric: "roc_auc", Baseline: &validAUC, MaxDrop: drop},
	}
	alerts, err := monitor.Evaluate(rules, lastDrift, windows)
	if err != nil {
		return nil, err
	}
	out.Retrain, out.Decision = decide(alerts, "no drift or performance rule fired")
	rep := r.replayReport(groups, lastDrift, alerts)
	// The target rate is the drift's: of the last group, as the header says.
	last := groups[len(groups)-1].rows
	rep.ReferenceTargetRate, rep.CurrentTargetRate = monitor.Number(r.st.rate(r.st.train)), monitor.Number(r.st.rate(last))
	rep.Windows, rep.Decision = windows, monitor.DecisionText(wo)
	rep.Performance = fmt.Sprintf("%s (%s rows), in windows of %s rows", listText(groupNames(groups)), thousands(len(rows)), thousands(size))
	if err := r.writeMonitoring(ctx, dir, rep, out); err != nil {
		return nil, err
	}
	return out, loadMonitor(r, mustJSON(out))
}

// decide turns fired alerts into the retraining decision.
func decide(alerts []monitor.Alert, quiet string) (retrain bool, decision string) {
	if len(alerts) == 0 {
		return false, "keep the model: " + quiet
	}
	var why []string
	for _, a := range alerts {
		why = append(why, a.Message)
	}
	return true, "retrain: " + strings.Join(dedupe(why), "; ")
}

// replayReport is the monitoring report of a replay: the groups replayed,
// the last group's drift and the alerts. The current data is that last
// group, which the drift compares with the training rows; target rates are
// unknown (NaN) until the caller sets them.
func (r *Runner) replayReport(groups []replayGroup, drift *monitor.DatasetDrift, alerts []monitor.Alert) *monitor.Report {
	last := groups[len(groups)-1]
	return &monitor.Report{
		Title: "Monitoring replay of " + listText(groupNames(groups)), Model: r.st.summary.Champion.Name, Version: r.st.summary.Champion.Version,
		Generated: r.Now().UTC(), Reference: fmt.Sprintf("the %s training rows", thousands(len(r.st.train))),
		Current:             fmt.Sprintf("%s (%s rows)", last.name, thousands(len(last.rows))),
		ReferenceTargetRate: monitor.Number(math.NaN()), CurrentTargetRate: monitor.Number(math.NaN()),
		Drift: drift, Alerts: alerts,
	}
}

func groupNames(groups []replayGroup) []string {
	var names []string
	for _, g := range groups {
		names = append(names, g.name)
	}
	return names
}

// nameWindows adds to each window's rows the groups they fall in:
// "rows 14,001–16,000 (2009 and 2010)".
func nameWindows(ws []monitor.WindowPerformance, groups []replayGroup) []monitor.WindowPerformance {
	// ends[k] is the replay position of group k's last row, from 1.
	ends, n := make([]int, len(groups)), 0
	for k, g := range groups {
		n += len(g.rows)
		ends[k] = n
	}
	for i, w := range ws {
		var in []string
		start := 1
		for k, end := range ends {
			if w.FirstRow <= end && w.LastRow >= start {
				in = append(in, groups[k].name)
			}
			start = end + 1
		}
		ws[i].Label = fmt.Sprintf("%s (%s)", w.Label, listText(in))
	}
	return ws
}

// writeMonitoring writes the monitoring report as HTML and JSON, logs them
// and the reference profile, and tags the run with the decision.
func (r *Runner) writeMonitoring(ctx context.Context, dir string, rep *monitor.Report, out MonitoringSummary) error {
	html := filepath.Join(dir, "monitoring.html")
	if err := writeWith(html, rep.WriteHTML); err != nil {
		return err
	}
	if err := writeWith(filepath.Join(dir, "monitoring.json"), rep.WriteJSON); err != nil {
		return err
	}
	for _, p := range []string{html, filepath.Join(dir, "monitoring.json"), out.ReferenceProfile} {
		if err := r.logFile(ctx, r.parentID, "monitoring", p); err != nil {
			return err
		}
	}
	return r.setTag(ctx, "weir.monitoring.decision", out.Decision)
}

// replayGroup is a part of the holdout replayed through the model.
type replayGroup struct {
	name string
	rows []int
}

// replayGroups cuts the holdout into what monitoring replays in order: its
// periods (monitoring.replay_periods, else every period), or windows of
// rows when the data has no period column.
func (r *Runner) replayGroups() ([]replayGroup, error) {
	ms := r.Spec.Monitoring
	if r.st.periods == nil {
		if len(ms.ReplayPeriods) > 0 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "monitoring.replay_periods needs monitoring.period_column (or a time split)")
		}
		size := ms.WindowSize
		if size <= 0 {
			size = 2000
		}
		var out []replayGroup
		for lo := 0; lo < len(r.st.holdout); lo += size {
			hi := min(lo+size, len(r.st.holdout))
			out = append(out, replayGroup{name: fmt.Sprintf("holdout rows %s–%s", thousands(lo+1), thousands(hi)),
				rows: r.st.holdout[lo:hi]})
		}
		return out, nil
	}
	byPeriod := map[string][]int{}
	for _, i := range r.st.holdout {
		p := r.st.periods[i]
		byPeriod[p] = append(byPeriod[p], i)
	}
	names := ms.ReplayPeriods
	if len(names) == 0 {
		names = sortPeriods(slices.Collect(maps.Keys(byPeriod)))
	}
	var out []replayGroup
	for _, name := range names {
		rows := byPeriod[name]
		if len(rows) == 0 {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "monitoring: period %q has no holdout rows", name)
		}
		out = append(out, replayGroup{name: name, rows: rows})
	}
	return out, nil
}

// listText writes items as "a, b and c".
func listText(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func writeWith(path string, write func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rate is the positive rate of the target over rows.
func (s *state) rate(rows []int) float64 {
	y, err := s.target(rows)
	if err != nil {
		return 0
	}
	return mean(y)
}

func loadMonitor(r *Runner, raw json.RawMessage) error {
	var out MonitoringSummary
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	r.st.summary.Monitoring = out
	if out.Status == "done" {
		r.st.summary.Reports["monitoring"] = filepath.Join(filepath.Dir(out.ReferenceProfile), "monitoring.html")
		r.st.summary.Reports["reference_profile"] = out.ReferenceProfile
	}
	return nil
}
