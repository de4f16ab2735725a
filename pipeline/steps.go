package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/tracking"
)

// stepDefs are the steps, in order; each says which part of the spec it
// depends on, how it runs and how its cached result is restored.
var stepDefs = []stepDef{
	{"business", nil, func(s *Spec) any { return s.Business }, runBusiness, loadBusiness},
	{"acquire", nil, func(s *Spec) any { return s.Data }, runAcquire, loadAcquire},
	{"understand", []string{"acquire"}, func(s *Spec) any { return nil }, runUnderstand, loadUnderstand},
	{"validate", []string{"acquire"}, func(s *Spec) any { return s.Validation }, runValidate, loadNothing},
	{"prepare", []string{"validate"}, func(s *Spec) any { return s.Prepare }, runPrepare, loadPrepare},
	{"model", []string{"prepare"}, func(s *Spec) any { return s.Model }, runModel, loadModel},
	{"evaluate", []string{"business", "model"}, func(s *Spec) any { return s.Evaluation }, runEvaluate, loadEvaluate},
	{"register", []string{"evaluate"}, func(s *Spec) any { return s.Registry }, runRegister, loadRegister},
	{"deploy", []string{"register"}, func(s *Spec) any { return s.Deploy }, runDeploy, loadDeploy},
	{"monitor", []string{"register"}, func(s *Spec) any { return s.Monitoring }, runMonitor, loadMonitor},
}

func loadNothing(*Runner, json.RawMessage) error { return nil }

// businessResult is the business step's record.
type businessResult struct {
	Report string `json:"report"`
}

func runBusiness(ctx context.Context, r *Runner, dir string) (any, error) {
	b := r.Spec.Business
	md := businessText(r.Spec)
	path := filepath.Join(dir, "business.md")
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return nil, err
	}
	params := []tracking.Param{
		{Key: "business.cost_per_contact", Value: strconv.FormatFloat(b.CostPerContact, 'g', -1, 64)},
		{Key: "business.value_per_conversion", Value: strconv.FormatFloat(b.ValuePerConversion, 'g', -1, 64)},
		{Key: "business.min_auc", Value: strconv.FormatFloat(b.MinAUC, 'g', -1, 64)},
		{Key: "seed", Value: strconv.FormatUint(r.Spec.Seed, 10)},
	}
	if err := r.logParams(ctx, r.parentID, params); err != nil {
		return nil, err
	}
	if err := r.logFile(ctx, r.parentID, "reports", path); err != nil {
		return nil, err
	}
	return businessResult{Report: path}, loadBusiness(r, mustJSON(businessResult{Report: path}))
}

// businessText is the business step's page: the question, the decision,
// how it is priced and what counts as success, in words.
func businessText(s *Spec) string {
	b := s.Business
	var w strings.Builder
	fmt.Fprintf(&w, "# %s\n", s.Name)
	for _, sec := range []struct{ title, text string }{{"Question", b.Question}, {"Objective", b.Objective}, {"Decision", b.Decision}} {
		if strings.TrimSpace(sec.text) != "" {
			fmt.Fprintf(&w, "\n## %s\n%s\n", sec.title, sec.text)
		}
	}
	if b.CostPerContact != 0 || b.ValuePerConversion != 0 {
		fmt.Fprintf(&w, "\n## Business metric\nExpected profit of a contact list: each contact costs %s, each conversion brings %s.\n", number(b.CostPerContact), number(b.ValuePerConversion))
		fmt.Fprintf(&w, "Profit = %s × conversions − %s × contacts. The decision threshold is the one that maximises it on out-of-fold predictions of the training rows; the holdout only reports what that threshold earns.\n",
			number(b.ValuePerConversion), number(b.CostPerContact))
	}
	var parts []string
	if b.MinAUC > 0 {
		parts = append(parts, "holdout ROC AUC at least "+number(b.MinAUC))
	}
	if b.BeatContactEveryone {
		parts = append(parts, "more profit than contacting everyone")
	}
	crit := strings.TrimSuffix(strings.TrimSpace(b.SuccessCriterionText), ".")
	switch {
	case crit != "" && len(parts) > 0:
		crit += " (in figures: " + listText(parts) + ")"
	case len(parts) > 0:
		crit = listText(parts)
		crit = strings.ToUpper(crit[:1]) + crit[1:]
	}
	if crit != "" {
		fmt.Fprintf(&w, "\n## Success criterion\n%s.\n", crit)
	}
	return w.String()
}

// number writes a figure of the spec for people: 0.5706, 10, 12,500.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return thousands(int(v))
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func loadBusiness(r *Runner, raw json.RawMessage) error {
	var res businessResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	r.st.summary.Reports["business"] = res.Report
	return nil
}

// acquireResult is the acquire step's record.
type acquireResult struct {
	Path   string `json:"path"`
	Source string `json:"source"`
	SHA256 string `json:"sha256"`
	Digest string `json:"digest"`
	Rows   int    `json:"rows"`
	Cols   int    `json:"cols"`
}

func runAcquire(ctx context.Context, r *Runner, dir string) (any, error) {
	d := r.Spec.Data
	path, err := Fetch(ctx, d, r.StateDir, nil)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	r.st.dataPath, r.st.frame = path, nil
	f, err := r.st.data()
	if err != nil {
		return nil, err
	}
	digest := r.st.digest
	if d.SHA256 != "" && d.Digest == "" && sum != d.SHA256 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "data %s: SHA-256 %s, want %s", path, sum, d.SHA256)
	}
	source := d.URL
	if d.Path != "" {
		abs, _ := filepath.Abs(d.Path)
		source = "file://" + abs
	}
	res := acquireResult{Path: path, Source: source, SHA256: sum, Digest: digest, Rows: f.NumRows(), Cols: r.st.rawCols}
	if err := r.logDataset(ctx, r.parentID, res, f, "training"); err != nil {
		return nil, err
	}
	return res, loadAcquire(r, mustJSON(res))
}

// logDataset logs the dataset as MLflow's log-inputs does: name, digest,
// source, schema and profile.
func (r *Runner) logDataset(ctx context.Context, runID string, a acquireResult, f *frame.Frame, context string) error {
	type col struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	var cols []col
	for _, fl := range f.Schema().Fields {
		cols = append(cols, col{fl.Name, mlflowType(fl.Kind)})
	}
	schema := mustJSON(map[string]any{"mlflow_colspec": cols})
	profile := mustJSON(map[string]any{"num_rows": a.Rows, "num_elements": a.Rows * a.Cols})
	src := mustJSON(map[string]string{"uri": a.Source})
	ds := tracking.DatasetInput{
		Tags: []tracking.Tag{{Key: "mlflow.data.context", Value: context}},
		Dataset: tracking.Dataset{
			Name: r.Spec.Data.Name, Digest: a.Digest[:frame.ShortDigestLen], SourceType: sourceType(a.Source),
			Source: string(src), Schema: string(schema), Profile: string(profile),
		},
	}
	return r.Backend.Tracking.LogInputs(ctx, runID, []tracking.DatasetInput{ds}, nil)
}

func sourceType(src string) string {
	if strings.HasPrefix(src, "http") {
		return "http"
	}
	return "local"
}

func mlflowType(k frame.Kind) string {
	switch k {
	case frame.Int:
		return "long"
	case frame.Float:
		return "double"
	case frame.Bool:
		return "boolean"
	case frame.Time:
		return "datetime"
	}
	return "string"
}

func loadAcquire(r *Runner, raw json.RawMessage) error {
	var res acquireResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	if r.st.dataPath != res.Path || r.st.frame == nil {
		r.st.dataPath, r.st.frame = res.Path, nil
		if _, err := r.st.data(); err != nil {
			return err
		}
	}
	r.st.dataset = res
	d := &r.st.summary.Data
	d.Name, d.Source, d.SHA256, d.Digest, d.Rows, d.Columns = r.Spec.Data.Name, res.Source, res.SHA256, res.Digest, res.Rows, res.Cols
	d.TrainRows, d.HoldoutRows = len(r.st.train), len(r.st.holdout)
	s := r.st.summary
	s.Split = r.Spec.Split.describe()
	s.Task, s.TaskWhy = r.st.info.Task, r.st.info.Why
	if s.Task == ml.TaskBinary {
		s.Positive = r.st.info.Classes[1]
	}
	if r.st.periods != nil {
		d.RowsByPeriod = map[string]int{}
		for _, p := range r.st.periods {
			d.RowsByPeriod[p]++
		}
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return sha256Hex(b), nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called on types that always encode
	}
	return b
}
