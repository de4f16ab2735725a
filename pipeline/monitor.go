package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

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
	if len(ms.ReplayPeriods) == 0 {
		out.Status = "skipped: monitoring.replay_periods is empty"
		return out, loadMonitor(r, mustJSON(out))
	}
	// Replay through the registered model exactly as saved, the files the
	// scoring server loads.
	m, err := mlmodel.Load(r.st.modelDir)
	if err != nil {
		return nil, err
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
	prof, err := monitor.NewProfile(ref, monitor.ProfileOptions{Target: r.Spec.Data.Target, Prediction: predictionColumn, PositiveLabel: r.Spec.Data.Positive})
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
			validAUC = c.ValidAUC
		}
	}
	opts := monitor.NewDriftOptions()
	opts.Target, opts.Prediction = r.Spec.Data.Target, predictionColumn
	if ms.DriftShare > 0 {
		opts.DriftShare = ms.DriftShare
	}
	var lastDrift *monitor.DatasetDrift
	for _, period := range ms.ReplayPeriods {
		var pr []int
		for i, y := range r.st.years {
			if y == period {
				pr = append(pr, i)
			}
		}
		if len(pr) == 0 {
			return nil, fmt.Errorf("monitoring: no rows in period %d", period)
		}
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
		pm := PeriodMonitor{Period: strconv.Itoa(period), Rows: len(pr), AUC: auc, PositiveRate: mean(y), MeanPrediction: mean(proba), DriftShare: d.Share}
		for _, c := range d.Columns {
			if c.Drifted {
				pm.DriftedColumns = append(pm.DriftedColumns, c.Column)
			}
		}
		out.Periods = append(out.Periods, pm)
		// The rows carry no timestamps; give each a time in its year so
		// windows read in order.
		base := time.Date(period, 1, 1, 0, 0, 0, 0, time.UTC)
		for k, i := range pr {
			preds = append(preds, monitor.Prediction{Row: i, Time: base.Add(time.Duration(k) * time.Minute), Score: proba[k], Label: y[k], HasLabel: true})
		}
		rows = append(rows, pr...)
	}
	size := ms.WindowSize
	if size <= 0 {
		size = 2000
	}
	b := r.Spec.Business
	windows, err := monitor.Windows(preds, monitor.WindowOptions{Size: size, Threshold: r.st.threshold,
		Value: monitor.Value{TP: b.ValuePerConversion - b.CostPerContact, FP: -b.CostPerContact}})
	if err != nil {
		return nil, err
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
	out.Retrain = len(alerts) > 0
	if out.Retrain {
		var why []string
		for _, a := range alerts {
			why = append(why, a.Message)
		}
		out.Decision = "retrain: " + strings.Join(dedupe(why), "; ")
	} else {
		out.Decision = "keep the model: no drift or performance rule fired"
	}
	rep := &monitor.Report{
		Title: "Monitoring replay of " + fmt.Sprint(ms.ReplayPeriods), Model: r.st.summary.Champion.Name, Version: r.st.summary.Champion.Version,
		Generated: r.Now().UTC(), Reference: fmt.Sprintf("training years %v", r.Spec.Data.TrainPeriods), Current: fmt.Sprintf("year %d", ms.ReplayPeriods[len(ms.ReplayPeriods)-1]),
		ReferenceTargetRate: monitor.Number(r.st.rate(r.st.train)), CurrentTargetRate: monitor.Number(r.st.rate(rows)),
		Drift: lastDrift, Windows: windows, Alerts: alerts,
	}
	html := filepath.Join(dir, "monitoring.html")
	if err := writeWith(html, rep.WriteHTML); err != nil {
		return nil, err
	}
	if err := writeWith(filepath.Join(dir, "monitoring.json"), rep.WriteJSON); err != nil {
		return nil, err
	}
	for _, p := range []string{html, filepath.Join(dir, "monitoring.json"), out.ReferenceProfile} {
		if err := r.logFile(ctx, r.parentID, "monitoring", p); err != nil {
			return nil, err
		}
	}
	if err := r.setTag(ctx, "weir.monitoring.decision", out.Decision); err != nil {
		return nil, err
	}
	return out, loadMonitor(r, mustJSON(out))
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
