//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/tracking"
	"go.yaml.in/yaml/v3"
)

// monitorReportCmd compares a model's recent traffic with its reference.
type monitorReportCmd struct {
	trackingFlags
	dataFlags
	alertFlags
	stattestFlags
	ModelURI   string  `short:"m" name:"model-uri" required:"" help:"Monitored model: models:/NAME@ALIAS, models:/NAME/VERSION, runs:/... or a directory."`
	Current    string  `required:"" help:"Current data: an inference log (a directory or s3://bucket/prefix of .jsonl segments, or one .jsonl file), or a .csv or .parquet table (local or s3://) the model scores."`
	Reference  string  `help:"Reference data instead of the model's reference_profile.json: a CSV (scored by the model) or a profile JSON."`
	Window     period  `help:"Performance window of logged traffic: a duration (36h), days (7d), weeks (1w) or calendar months (month, quarter, year); rows are placed by their event time when the labels give one." default:"1w"`
	WindowRows int     `help:"Performance window of CSV rows without --time-column: this many rows, labelled by their row numbers." default:"2000"`
	TimeColumn string  `name:"time-column" placeholder:"COLUMN" help:"CSV column of each row's event time (RFC 3339, a date 2006-01-02 or a year): CSV windows then follow --window."`
	ValueTP    float64 `name:"value-tp" help:"Business value of a true positive, e.g. a conversion's value minus a contact's cost (default: the value the pipeline recorded with the model)."`
	ValueFP    float64 `name:"value-fp" help:"Business value of a false positive, usually minus a contact's cost (default: the value the pipeline recorded with the model)."`
	Rules      string  `help:"Alert rules file, YAML or JSON ({\"rules\": [...]}); exit code 1 when one fires."`
	Out        string  `help:"Directory for report.html and report.json." default:"."`
	DriftShare float64 `help:"Share of drifted features that makes the dataset drifted." default:"0.5"`
	NoLog      bool    `help:"Do not log the figures as a run in the weir-monitoring/<model> experiment."`
}

// reportOutcome is what monitor report prints with -o json.
type reportOutcome struct {
	RunID      string          `json:"run_id,omitempty"`
	Experiment string          `json:"experiment,omitempty"`
	Report     string          `json:"report"`
	JSON       string          `json:"report_json"`
	DriftShare float64         `json:"drift_share"`
	Drifted    int             `json:"drifted_features"`
	Tested     int             `json:"tested_features"`
	Windows    int             `json:"windows"`
	Alerts     []monitor.Alert `json:"alerts"`
}

// alertsFired is returned when rules fire: exit code 1 with a one-line
// summary, for cron and CI.
type alertsFired struct{ alerts []monitor.Alert }

func (a *alertsFired) Error() string {
	var names []string
	for _, x := range a.alerts {
		names = append(names, x.Rule)
	}
	return fmt.Sprintf("%d alert(s) fired: %s", len(a.alerts), strings.Join(names, ", "))
}

func (c *monitorReportCmd) Run(g *globals) error {
	rules, err := readRules(c.Rules)
	if err != nil {
		return err
	}
	ld := &modelLoader{flags: c.trackingFlags}
	defer ld.close()
	m, err := loadMonitoredModel(g.ctx, ld, c.ModelURI)
	if err != nil {
		return err
	}
	defer m.close()
	cur, err := c.readCurrent(m)
	if err != nil {
		return err
	}
	rep, err := c.report(g.ctx, m, cur)
	if err != nil {
		return err
	}
	if rep.Alerts, err = monitor.Evaluate(rules, rep.Drift, rep.Windows); err != nil {
		return usagef("--rules: %v", err)
	}
	html, js, err := writeReport(c.Out, rep)
	if err != nil {
		return err
	}
	share := rep.Drift.Share
	if math.IsNaN(share) { // no feature could be tested
		share = 0
	}
	out := reportOutcome{Report: html, JSON: js, DriftShare: share, Drifted: rep.Drift.Drifted,
		Tested: rep.Drift.Tested, Windows: len(rep.Windows), Alerts: rep.Alerts}
	if out.Alerts == nil {
		out.Alerts = []monitor.Alert{}
	}
	if !c.NoLog {
		b, err := ld.backend(g.ctx)
		if err != nil {
			return err
		}
		if out.RunID, err = logReport(g.ctx, b, m, rep, html, js); err != nil {
			return fmt.Errorf("logging the report: %w", err)
		}
		out.Experiment = monitoringPrefix + m.id.name
	}
	if c.Output == "json" {
		if err := writeJSON(g.stdout, out); err != nil {
			return err
		}
	} else {
		if out.RunID != "" {
			fmt.Fprintf(g.stdout, "run %s in experiment %s\n", out.RunID, out.Experiment)
		}
		fmt.Fprintf(g.stdout, "drift share %.3f (%d of %d features), report %s\n", rep.Drift.Share, rep.Drift.Drifted, rep.Drift.Tested, html)
	}
	if len(rep.Alerts) == 0 {
		return nil
	}
	if err := c.notify(g, rep); err != nil {
		g.logger.Error("alert webhook", "err", err)
	}
	return &alertsFired{rep.Alerts}
}

// readRules reads a rules file; no file means no rules.
func readRules(path string) ([]monitor.Rule, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--rules: %v", err)
	}
	if b, err = rulesJSON(b); err != nil {
		return nil, usagef("--rules %s: %v", path, err)
	}
	rules, err := monitor.ParseRules(b)
	if err != nil {
		return nil, usagef("--rules %s: %v", path, err)
	}
	return rules, nil
}

// rulesJSON returns a rules file as JSON: JSON as it is, YAML converted
// (so monitor.ParseRules still refuses unknown fields in either).
func rulesJSON(b []byte) ([]byte, error) {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		return b, nil
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, fmt.Errorf("want a mapping with a rules list")
	}
	return json.Marshal(doc)
}

// report computes drift against the reference and performance per window.
func (c *monitorReportCmd) report(ctx context.Context, m *monitoredModel, cur *labelled) (*monitor.Report, error) {
	opts := monitor.NewDriftOptions()
	opts.DriftShare = c.DriftShare
	opts.Prediction = predictionCol
	if err := c.stattestFlags.apply(&opts); err != nil {
		return nil, err
	}
	if _, err := cur.frame.Column(c.Target); err == nil {
		opts.Target = c.Target
	}
	rep := &monitor.Report{
		Title: "Monitoring " + m.id.name, Model: m.id.name, Version: m.id.version, Generated: time.Now().UTC(),
		Current: fmt.Sprintf("%s (%s rows)", cur.source, monitor.Thousands(len(cur.preds))), CurrentTargetRate: monitor.Number(targetRate(cur.preds)), ReferenceTargetRate: monitor.Number(math.NaN()),
	}
	var err error
	if prof, ok, perr := c.referenceProfile(m); perr != nil {
		return nil, perr
	} else if ok {
		rep.Reference = "the model's reference profile"
		if c.Reference != "" {
			rep.Reference = c.Reference
		}
		rep.ReferenceTargetRate = monitor.Number(prof.TargetRate())
		rep.Drift, err = driftFromProfile(ctx, prof, cur, opts)
	} else {
		ref, rerr := (&dataFlags{Target: c.Target, Positive: c.Positive}).scoreCSV(c.Reference, m)
		if rerr != nil {
			return nil, rerr
		}
		rep.Reference = c.Reference
		rep.ReferenceTargetRate = monitor.Number(targetRate(ref.preds))
		opts.Columns = common(ref.frame, cur.frame, m.inputs())
		if opts.Target != "" {
			if _, err := ref.frame.Column(opts.Target); err != nil {
				opts.Target = ""
			}
		}
		rep.Drift, err = monitor.Drift(ctx, ref.frame, cur.frame, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := c.stattestFlags.check(rep.Drift); err != nil {
		return nil, err
	}
	wo := c.Window.windows()
	if !cur.timed {
		wo = monitor.WindowOptions{Size: c.WindowRows}
	}
	// Decisions and their value are the model's own, as the pipeline's
	// replay scores them: its decision threshold and its business prices.
	wo.Threshold = m.threshold()
	wo.Value = monitor.Value{TP: c.ValueTP, FP: c.ValueFP}
	if wo.Value == (monitor.Value{}) {
		wo.Value = m.businessValue()
	}
	if rep.Windows, err = monitor.Windows(cur.preds, wo); err != nil {
		return nil, usagef("windows: %v", err)
	}
	rep.Decision = monitor.DecisionText(wo)
	return rep, nil
}

// readCurrent reads --current; a CSV's rows take their event times from
// --time-column when it is given.
func (c *monitorReportCmd) readCurrent(m *monitoredModel) (*labelled, error) {
	cur, err := c.readLabelled(c.Current, m)
	if err != nil || c.TimeColumn == "" {
		return cur, err
	}
	if cur.timed {
		return nil, usagef("--time-column %s: %s is an inference log, whose rows carry their own times (give event times with --labels)", c.TimeColumn, c.Current)
	}
	f, err := readTable(c.Current)
	if err != nil {
		return nil, err
	}
	col, err := f.Column(c.TimeColumn)
	if err != nil {
		return nil, usagef("--time-column: %s has no column %q", c.Current, c.TimeColumn)
	}
	for i := range cur.preds {
		if col.IsMissing(i) {
			return nil, usagef("--time-column: %s row %d has no %s", c.Current, i+1, c.TimeColumn)
		}
		t, err := monitor.ParseTime(col.Text(i))
		if err != nil {
			return nil, usagef("--time-column: %s row %d: %s %q is not a time (RFC 3339, a date 2006-01-02 or a year)", c.Current, i+1, c.TimeColumn, col.Text(i))
		}
		cur.preds[i].Time = t
	}
	cur.timed = true
	return cur, nil
}

// referenceProfile reads --reference when it is a profile JSON, else the
// model's reference_profile.json when --reference is not given; ok is false
// when the reference is a CSV. An explicit --reference wins over the
// model's own profile.
func (c *monitorReportCmd) referenceProfile(m *monitoredModel) (p *monitor.Profile, ok bool, err error) {
	path := c.Reference
	switch {
	case path != "" && !strings.HasSuffix(path, ".json"):
		return nil, false, nil
	case path == "":
		path = filepath.Join(m.dir, mlmodel.ReferenceProfileFile)
		if _, err := os.Stat(path); err != nil {
			return nil, false, usagef("model %s has no %s: give --reference", m.id.name, mlmodel.ReferenceProfileFile)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, usagef("%v", err)
	}
	p, err = monitor.ReadProfile(b)
	if err != nil {
		return nil, false, usagef("%s: %v", path, err)
	}
	return p, true, nil
}

// driftFromProfile profiles the current data as the reference was profiled
// and compares the two.
func driftFromProfile(ctx context.Context, ref *monitor.Profile, cur *labelled, opts monitor.DriftOptions) (*monitor.DatasetDrift, error) {
	var names []string
	for _, col := range ref.Columns {
		names = append(names, col.Name)
	}
	opts.Columns = common(cur.frame, cur.frame, names)
	po := monitor.ProfileOptions{Prediction: predictionCol}
	if ref.Prediction == nil {
		opts.Prediction, po.Prediction = "", ""
	}
	f := cur.frame
	// A categorical reference target (yes/no) is compared with the current
	// 0/1 labels written back in its own words.
	if opts.Target != "" && ref.Target != nil {
		if ref.Target.Kind == monitor.Categorical {
			col, err := asCategory(f, opts.Target, ref)
			if err != nil {
				opts.Target = ""
			} else if f, err = f.With(opts.Target, col); err != nil {
				return nil, err
			}
		}
		po.Target, po.PositiveLabel = opts.Target, ref.PositiveLabel
	} else {
		opts.Target = ""
	}
	keep := append(append([]string{}, opts.Columns...), nonEmpty(opts.Target, opts.Prediction)...)
	f, err := f.Select(keep...)
	if err != nil {
		return nil, err
	}
	curProf, err := monitor.NewProfile(f, po)
	if err != nil {
		return nil, err
	}
	// Only columns both sides profiled are compared.
	refCopy := *ref
	refCopy.Columns = nil
	for _, col := range ref.Columns {
		if contains(opts.Columns, col.Name) {
			refCopy.Columns = append(refCopy.Columns, col)
		}
	}
	if opts.Target == "" {
		refCopy.Target = nil
	}
	return monitor.CompareProfiles(ctx, &refCopy, curProf, opts)
}

// asCategory rewrites a 0/1 target column with the reference's labels: its
// positive label and the one other category it has.
func asCategory(f *frame.Frame, name string, ref *monitor.Profile) (frame.Column, error) {
	pos, neg := ref.PositiveLabel, ""
	for k := range ref.Target.Frequencies {
		if pos == "" && (k == "1" || k == "yes" || k == "true") {
			pos = k
		}
	}
	for k := range ref.Target.Frequencies {
		if k != pos {
			if neg != "" {
				return nil, fmt.Errorf("reference target has more than two categories")
			}
			neg = k
		}
	}
	if pos == "" || neg == "" {
		return nil, fmt.Errorf("reference target categories unknown")
	}
	col, err := f.Column(name)
	if err != nil {
		return nil, err
	}
	out := &frame.CategoricalColumn{Codes: make([]int32, col.Len()), Levels: []string{neg, pos}}
	for i := range out.Codes {
		switch {
		case col.IsMissing(i):
			out.Codes[i] = -1
		case col.Float(i) == 1:
			out.Codes[i] = 1
		}
	}
	return out, nil
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}

// common returns the names both frames hold, in the order of names.
func common(a, b *frame.Frame, names []string) []string {
	var out []string
	for _, n := range names {
		if _, err := a.Column(n); err != nil {
			continue
		}
		if _, err := b.Column(n); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// targetRate is the share of positives among labelled predictions, NaN
// without labels.
func targetRate(preds []monitor.Prediction) float64 {
	var n, pos float64
	for _, p := range preds {
		if p.HasLabel {
			n++
			pos += p.Label
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return pos / n
}

// writeReport writes report.html and report.json into dir.
func writeReport(dir string, rep *monitor.Report) (html, js string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", usagef("--out: %v", err)
	}
	html, js = filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	for _, f := range []struct {
		path  string
		write func(*bytes.Buffer) error
	}{
		{html, func(b *bytes.Buffer) error { return rep.WriteHTML(b) }},
		{js, func(b *bytes.Buffer) error { return rep.WriteJSON(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return "", "", err
		}
		if err := os.WriteFile(f.path, b.Bytes(), 0o644); err != nil {
			return "", "", err
		}
	}
	return html, js, nil
}

// logReport logs the report's figures and files as a run of the model's
// monitoring experiment: drift_share, drift.<feature> scores, and per-window
// metrics with step = window index, so trends plot in any MLflow client.
func logReport(ctx context.Context, b *backend, m *monitoredModel, rep *monitor.Report, files ...string) (string, error) {
	run, err := monitoringRun(ctx, b, m.id.name, "report-"+rep.Generated.Format("20060102-150405"),
		tracking.Tag{Key: "weir.monitoring.model", Value: m.id.name},
		tracking.Tag{Key: "weir.monitoring.model_version", Value: m.id.version},
		tracking.Tag{Key: "weir.monitoring.alerts", Value: fmt.Sprint(len(rep.Alerts))})
	if err != nil {
		return "", err
	}
	now := time.Now().UnixMilli()
	ms := []tracking.Metric{
		{Key: "drift_share", Value: rep.Drift.Share, Timestamp: now},
		{Key: "drifted_features", Value: float64(rep.Drift.Drifted), Timestamp: now},
		{Key: "alerts", Value: float64(len(rep.Alerts)), Timestamp: now},
	}
	for _, col := range rep.Drift.Columns {
		ms = append(ms, tracking.Metric{Key: "drift." + col.Column, Value: float64(col.Score), Timestamp: now})
	}
	for _, d := range []*monitor.ColumnDrift{rep.Drift.Target, rep.Drift.Prediction} {
		if d != nil {
			ms = append(ms, tracking.Metric{Key: "drift." + d.Column, Value: float64(d.Score), Timestamp: now})
		}
	}
	for i, w := range rep.Windows {
		// CSV rows have no time: their windows are logged now.
		ts := now
		if !w.End.IsZero() && w.End.UnixMilli() > 0 {
			ts = w.End.UnixMilli()
		}
		for k, v := range map[string]monitor.Number{"roc_auc": w.ROCAUC, "estimated_roc_auc": w.EstROCAUC,
			"precision": w.Precision, "recall": w.Recall, "mean_score": w.MeanScore, "positive_rate": w.PositiveRate} {
			if !math.IsNaN(float64(v)) {
				ms = append(ms, tracking.Metric{Key: "window." + k, Value: float64(v), Timestamp: ts, Step: int64(i)})
			}
		}
		ms = append(ms, tracking.Metric{Key: "window.rows", Value: float64(w.Rows), Timestamp: now, Step: int64(i)})
	}
	if err := logMetricsBatched(ctx, b, run.Info.RunID, ms); err != nil {
		return "", err
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if err := b.artifacts.Upload(ctx, run.Info.ArtifactURI, "monitoring/"+filepath.Base(f), bytes.NewReader(data)); err != nil {
			return "", err
		}
	}
	return run.Info.RunID, finishRun(ctx, b, run.Info.RunID)
}
