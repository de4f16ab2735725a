//go:build !weir_serve

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/dataio"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/frame/parquet"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/tracking"
	"github.com/weir-ml/weir/webhook"
)

// monitorCmd groups the monitoring commands: drift and performance reports,
// ground-truth labels, and retraining when alerts fire.
type monitorCmd struct {
	Report  monitorReportCmd  `cmd:"" help:"Drift and performance report of a model's recent traffic against its reference; exit 1 when alert rules fire."`
	Labels  monitorLabelsCmd  `cmd:"" help:"Join ground-truth labels to logged predictions by request id and report performance per window."`
	Retrain monitorRetrainCmd `cmd:"" help:"Retrain on recent labelled data when rules fire (or --force); promote the challenger only if it beats the champion by --margin."`
}

// Column names the monitoring commands give the model's score and the label
// in the frames they test.
const (
	predictionCol = "prediction"
	// monitoringPrefix names the experiment each model's monitoring runs go to.
	monitoringPrefix = "weir-monitoring/"
)

// monitoredModel is a model resolved for monitoring; its files stay on disk
// until close, since the reference profile is read from them.
type monitoredModel struct {
	id  modelID
	dir string
	// model is a Weir model; nil for a model another library saved, which
	// scorer scores.
	model  *mlmodel.Model
	scorer mlmodel.Scorer
	close  func()
}

// loadMonitoredModel resolves and loads uri through ld's backend.
func loadMonitoredModel(ctx context.Context, ld *modelLoader, uri string) (*monitoredModel, error) {
	id, err := ld.identify(ctx, uri)
	if err != nil {
		return nil, err
	}
	dir, cleanup := strings.TrimPrefix(uri, "file://"), func() {}
	if id.remote {
		b, err := ld.backend(ctx)
		if err != nil {
			return nil, err
		}
		tmp, err := os.MkdirTemp("", "weir-monitor-*")
		if err != nil {
			return nil, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		dir, err = mlmodel.Resolve(ctx, id.uri, mlmodel.Sources{
			Runs: b.tracking, LoggedModels: b.loggedModels, Registry: b.registry, Artifacts: b.artifacts, DownloadDir: tmp,
		})
		if err != nil {
			cleanup()
			return nil, err
		}
	}
	mm := &monitoredModel{id: id, dir: dir, close: cleanup}
	f, err := mlmodel.ReadMLmodel(dir)
	if err != nil {
		cleanup()
		return nil, err
	}
	var task string
	if _, ok := f.Flavors[mlmodel.FlavorName]; ok {
		if mm.model, err = mlmodel.Load(dir); err != nil {
			cleanup()
			return nil, err
		}
		task = mm.model.Output().Task
	} else {
		if mm.scorer, err = openScorer(dir, f); err != nil {
			cleanup()
			return nil, err
		}
		task = mm.scorer.Output().Task
	}
	// Performance windows, labels and retraining join 0/1 outcomes with
	// probabilities: they need a binary classifier.
	if task != ml.TaskBinary {
		cleanup()
		return nil, usagef("%s is a %s model: weir monitor scores performance and retrains binary classifiers only so far (drift of its inputs: weir models serve --inference-log and its drift gauges)", uri, task)
	}
	return mm, nil
}

// score returns P(positive class) of every row of f: Weir's predictor, or
// the model's own scorer reading the columns its inputs name.
func (m *monitoredModel) score(f *frame.Frame) ([]float64, error) {
	if m.model != nil {
		proba, _, err := m.model.Predictor.PredictFrame(f)
		return proba, err
	}
	ins := m.scorer.Inputs()
	cols := make([]frame.Column, len(ins))
	for j, in := range ins {
		c, err := f.Column(in.Name)
		if err != nil && in.Required {
			return nil, fmt.Errorf("the model reads column %s, which the data lacks", in.Name)
		}
		cols[j] = c
	}
	rows := make([][]any, f.NumRows())
	for i := range rows {
		rows[i] = make([]any, len(cols))
		for j, c := range cols {
			if c != nil && !c.IsMissing(i) {
				rows[i][j] = cellAs(c, i, ins[j].Kind)
			}
		}
	}
	var s mlmodel.Scores
	s.Resize(len(rows), 2)
	if err := m.scorer.Score(rows, &s); err != nil {
		return nil, err
	}
	return s.Value, nil
}

// threshold is the probability above which the model decides positive:
// a Weir model's own, else 0.5, as other libraries' classifiers decide.
func (m *monitoredModel) threshold() float64 {
	if m.model != nil && m.model.Predictor.Threshold > 0 {
		return m.model.Predictor.Threshold
	}
	return 0.5
}

// businessValue is the value of the model's decisions that weir pipeline
// records in the model's metadata (business.value_tp and value_fp), zero
// when it has none.
func (m *monitoredModel) businessValue() monitor.Value {
	if m.model == nil || m.model.MLmodel == nil {
		return monitor.Value{}
	}
	b, _ := m.model.MLmodel.Metadata["business"].(map[string]any)
	return monitor.Value{TP: metaNumber(b["value_tp"]), FP: metaNumber(b["value_fp"])}
}

// metaNumber reads a number of YAML metadata, 0 when it is none.
func metaNumber(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// inputs returns the model's input column names.
func (m *monitoredModel) inputs() []string {
	var names []string
	if m.model == nil {
		for _, in := range m.scorer.Inputs() {
			names = append(names, in.Name)
		}
		return names
	}
	for _, c := range m.model.Signature.Inputs {
		names = append(names, c.Name)
	}
	return names
}

// labelled is a dataset of scored rows: the rows as predictions (with times
// when they were logged) and as a frame of inputs, the score in column
// prediction and, when any row is labelled, the label as 0/1 in target.
type labelled struct {
	preds  []monitor.Prediction
	frame  *frame.Frame
	timed  bool // rows carry the time they were scored
	source string
}

// dataFlags choose how a CSV's label column is read.
type dataFlags struct {
	Target   string `help:"Label column of CSV files." default:"y"`
	Positive string `help:"Positive value of the label column (default: 1, yes or true)."`
	Labels   string `help:"Ground truth for an inference log: JSON lines {request_id,row,label} or CSV request_id,row,label."`
	logWindow
}

// readLabelled reads path: an inference log (a directory or s3:// prefix of
// .jsonl segments, or one .jsonl file), whose rows carry their scores, or a
// table (.csv or .parquet, local or s3://), which the model scores.
func (d *dataFlags) readLabelled(path string, m *monitoredModel) (*labelled, error) {
	isLog, err := isInferenceLog(path)
	if err != nil {
		return nil, err
	}
	if isLog {
		preds, err := readInferenceLogs(path, d.logWindow)
		if err != nil {
			return nil, err
		}
		if d.Labels != "" {
			labels, times, err := readLabelsFile(d.Labels)
			if err != nil {
				return nil, err
			}
			monitor.JoinLabels(preds, labels)
			monitor.JoinEventTimes(preds, times)
		}
		return logged(preds, d.Target, path)
	}
	return d.scoreCSV(path, m)
}

// isInferenceLog reports whether path holds an inference log rather than a
// table: a .jsonl or .json file, a local directory, or an s3:// prefix
// (no extension) whose data files are all JSON lines.
func isInferenceLog(path string) (bool, error) {
	l, err := dataio.Parse(path)
	if err != nil {
		return false, usagef("%v", err)
	}
	if format, err := dataio.FormatOf(l.Name()); err == nil {
		return format == dataio.JSONL, nil
	} else if l.IsS3() && dataio.HasExt(l.Key) {
		return false, dataError(err)
	}
	if !l.IsS3() {
		st, err := os.Stat(path)
		if err != nil {
			return false, usagef("%v", err)
		}
		if !st.IsDir() {
			return false, dataError(&dataio.FormatError{Name: path})
		}
		return true, nil
	}
	objs, err := dataStorage().List(context.Background(), l)
	if err != nil {
		return false, err
	}
	for _, o := range objs {
		if f, _ := dataio.FormatOf(o.Loc.Name()); f != dataio.JSONL && !isSegmentName(o.Loc.Name()) {
			return false, nil
		}
	}
	return true, nil
}

// isSegmentName reports whether name is an inference-log segment's:
// <19-digit unix nanoseconds>-<replica>-<seq>.jsonl or .parquet.
func isSegmentName(name string) bool {
	stamp, rest, ok := strings.Cut(name, "-")
	if !ok || len(stamp) != 19 || strings.Trim(stamp, "0123456789") != "" {
		return false
	}
	return strings.HasSuffix(rest, ".jsonl") || strings.HasSuffix(rest, ".parquet")
}

// readInferenceLogs reads one log file or every .jsonl file under a local
// directory or an s3:// prefix (the segments that any number of scoring
// replicas wrote there), in name order, which is time order for the files
// and segments the scoring server writes.
func readInferenceLogs(path string, w logWindow) ([]monitor.Prediction, error) {
	l, err := dataio.Parse(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	since, _, err := w.bounds()
	if err != nil {
		return nil, err
	}
	if l.IsS3() {
		preds, err := readInferenceSegments(context.Background(), dataStorage(), l, since)
		if err != nil {
			return nil, err
		}
		return keepWindow(preds, w, path)
	}
	files := []string{path}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(path, "*.jsonl"))
		slices.Sort(files)
		if len(files) == 0 {
			return nil, usagef("%s holds no .jsonl inference log files", path)
		}
	}
	var out []monitor.Prediction
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return nil, usagef("%v", err)
		}
		p, err := monitor.ReadInferenceLog(r)
		r.Close()
		if err != nil {
			return nil, usagef("%s: %v", f, weirMessage(err))
		}
		out = append(out, p...)
	}
	if len(out) == 0 {
		return nil, usagef("%s holds no logged predictions", path)
	}
	return keepWindow(out, w, path)
}

// keepWindow keeps the rows within --since and --until; none left is an
// error naming the window.
func keepWindow(preds []monitor.Prediction, w logWindow, path string) ([]monitor.Prediction, error) {
	out, err := w.keep(preds)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, usagef("%s holds no logged predictions between --since %q and --until %q", path, w.Since, w.Until)
	}
	return out, nil
}

// readInferenceSegments reads every .jsonl object at l (one object, or all
// segments under a prefix), skipping segments uploaded before since.
// Failures to reach the storage are runtime errors (exit code 1) naming
// the URL.
func readInferenceSegments(ctx context.Context, st *dataio.Storage, l dataio.Location, since time.Time) ([]monitor.Prediction, error) {
	objs, err := st.List(ctx, l)
	if err != nil {
		return nil, err
	}
	var out []monitor.Prediction
	for _, o := range objs {
		format, _ := dataio.FormatOf(o.Loc.Name())
		if format != dataio.JSONL && !(format == dataio.Parquet && isSegmentName(o.Loc.Name())) || skipSegment(o.Loc.Name(), since) {
			continue
		}
		if format == dataio.Parquet {
			p, err := readParquetSegment(ctx, st, o.Loc)
			if err != nil {
				return nil, err
			}
			out = append(out, p...)
			continue
		}
		rc, err := st.Open(ctx, o.Loc)
		if err != nil {
			return nil, err
		}
		p, err := monitor.ReadInferenceLog(rc)
		rc.Close()
		if err != nil {
			// A malformed segment is bad input (exit code 2), named here
			// because the error's own message would not say which.
			return nil, usagef("%s: %v", o.Loc, weirMessage(err))
		}
		out = append(out, p...)
	}
	if len(out) == 0 {
		return nil, usagef("%s holds no logged predictions", l)
	}
	return out, nil
}

// readParquetSegment reads one Parquet inference-log segment.
func readParquetSegment(ctx context.Context, st *dataio.Storage, l dataio.Location) ([]monitor.Prediction, error) {
	b, err := st.ReadAll(ctx, l)
	if err != nil {
		return nil, err
	}
	f, err := parquet.ReadBytes(b)
	if err != nil {
		return nil, usagef("%s: %v", l, err)
	}
	p, err := monitor.PredictionsFromFrame(f)
	if err != nil {
		return nil, usagef("%s: %v", l, weirMessage(err))
	}
	return p, nil
}

// weirMessage is the message of a *weir.Error in err, or err's text.
func weirMessage(err error) string {
	var we *weir.Error
	if errors.As(err, &we) {
		return we.Message
	}
	return err.Error()
}

// readTable reads a .csv or .parquet table, local or s3://: an unknown
// extension or a malformed local file is the caller's mistake (exit code
// 2), storage that cannot be reached is not (exit code 1).
func readTable(path string) (*frame.Frame, error) {
	l, err := dataio.Parse(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if format, ferr := dataio.FormatOf(l.Name()); ferr == nil && format == dataio.CSV && !l.IsS3() {
		f, err := frame.ReadCSVFile(path, frame.CSVOptions{})
		if err != nil {
			return nil, usagef("%s: %v", path, err)
		}
		return f, nil
	} else if ferr != nil && !l.IsS3() {
		// A local file of another extension was read as CSV before Parquet
		// was known; keep doing so unless it is a Parquet file.
		if b, err := readHead(path); err == nil && string(b) != "PAR1" {
			f, err := frame.ReadCSVFile(path, frame.CSVOptions{})
			if err != nil {
				return nil, usagef("%s: %v", path, err)
			}
			return f, nil
		}
	}
	f, err := dataStorage().ReadFrame(context.Background(), l, frame.CSVOptions{})
	if err != nil {
		if !l.IsS3() {
			return nil, usagef("%v", err)
		}
		return nil, dataError(err)
	}
	return f, nil
}

// readHead returns the first four bytes of a local file.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 4)
	n, _ := f.Read(b)
	return b[:n], nil
}

// logged turns logged predictions into a labelled dataset.
func logged(preds []monitor.Prediction, target, source string) (*labelled, error) {
	f, err := monitor.InputsFrame(preds, predictionCol)
	if err != nil {
		return nil, err
	}
	y, any := make([]float64, len(preds)), false
	for i, p := range preds {
		y[i] = math.NaN()
		if p.HasLabel {
			y[i], any = p.Label, true
		}
	}
	if any {
		if f, err = f.With(target, &frame.FloatColumn{Values: y}); err != nil {
			return nil, err
		}
	}
	return &labelled{preds: preds, frame: f, timed: true, source: source}, nil
}

// scoreCSV reads a table (CSV or Parquet, local or s3://), scores it with the model and reads its labels.
func (d *dataFlags) scoreCSV(path string, m *monitoredModel) (*labelled, error) {
	f, err := readTable(path)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, usagef("%s: a CSV needs a model to score it", path)
	}
	proba, err := m.score(f)
	if err != nil {
		return nil, usagef("scoring %s: %v", path, err)
	}
	keep := slices.DeleteFunc(m.inputs(), func(n string) bool { _, err := f.Column(n); return err != nil })
	g, err := f.Select(keep...)
	if err != nil {
		return nil, err
	}
	if g, err = g.With(predictionCol, &frame.FloatColumn{Values: proba}); err != nil {
		return nil, err
	}
	preds := make([]monitor.Prediction, len(proba))
	for i := range preds {
		preds[i] = monitor.Prediction{RequestID: filepath.Base(path), Row: i, Score: proba[i]}
	}
	if col, err := f.Column(d.Target); err == nil {
		y, err := binaryLabels(col, d.Positive)
		if err != nil {
			return nil, usagef("%s: column %s: %v", path, d.Target, err)
		}
		for i := range preds {
			if !math.IsNaN(y[i]) {
				preds[i].Label, preds[i].HasLabel = y[i], true
			}
		}
		if g, err = g.With(d.Target, &frame.FloatColumn{Values: y}); err != nil {
			return nil, err
		}
	}
	return &labelled{preds: preds, frame: g, source: path}, nil
}

// binaryLabels reads a label column as 0/1, NaN where missing: numbers must
// be 0 or 1; text is positive when it equals positive (or, without it, one
// of 1, yes, true) and negative otherwise.
func binaryLabels(col frame.Column, positive string) ([]float64, error) {
	y := make([]float64, col.Len())
	cat, isCat := col.(*frame.CategoricalColumn)
	for i := range y {
		switch {
		case col.IsMissing(i):
			y[i] = math.NaN()
		case isCat:
			t := strings.ToLower(cat.Text(i))
			if t == strings.ToLower(positive) || positive == "" && (t == "1" || t == "yes" || t == "true") {
				y[i] = 1
			}
		default:
			v := col.Float(i)
			if v != 0 && v != 1 {
				return nil, fmt.Errorf("row %d: label %v is not 0 or 1", i+1, v)
			}
			y[i] = v
		}
	}
	return y, nil
}

// monitoringRun logs a run in the model's monitoring experiment, creating
// the experiment on first use, and returns its id.
func monitoringRun(ctx context.Context, b *backend, model, name string, tags ...tracking.Tag) (*tracking.Run, error) {
	expName := monitoringPrefix + model
	exp, err := b.tracking.GetExperimentByName(ctx, expName)
	var id string
	switch {
	case err == nil:
		id = exp.ID
	case weir.ErrorCode(err) == weir.ErrResourceDoesNotExist:
		if id, err = b.tracking.CreateExperiment(ctx, expName, "", nil); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	tags = append(tags, tracking.Tag{Key: "mlflow.runName", Value: name}, tracking.Tag{Key: "weir.version", Value: weir.Version})
	return b.tracking.CreateRun(ctx, tracking.RunCreate{ExperimentID: id, UserID: "weir", Tags: tags})
}

// finishRun marks a run finished.
func finishRun(ctx context.Context, b *backend, runID string) error {
	status, end := tracking.StatusFinished, time.Now().UnixMilli()
	_, err := b.tracking.UpdateRun(ctx, runID, tracking.RunUpdate{Status: &status, EndTime: &end})
	return err
}

// logMetricsBatched logs metrics in batches within MLflow's 1000 per call.
func logMetricsBatched(ctx context.Context, b *backend, runID string, ms []tracking.Metric) error {
	for len(ms) > 0 {
		n := min(len(ms), 1000)
		if err := b.tracking.LogBatch(ctx, runID, ms[:n], nil, nil); err != nil {
			return err
		}
		ms = ms[n:]
	}
	return nil
}

// alertFlags send fired alerts to a webhook.
type alertFlags struct {
	AlertWebhook   string `help:"POST fired alerts to this URL, HMAC-signed, with retries."`
	AlertSecretEnv string `help:"Environment variable holding the webhook's signing secret."`
	AlertAttempts  int    `help:"Deliveries tried before giving up." default:"4"`
	// AllowPrivate lets the webhook reach loopback and private addresses.
	AlertAllowPrivate bool `help:"Let --alert-webhook reach loopback and private network addresses."`
}

// alertEvent is the webhook event of fired monitoring alerts.
var alertEvent = webhook.Event{Entity: "MODEL_MONITOR", Action: "ALERTED"}

// notify posts the alerts; it waits for the delivery, retries included,
// since a cron job exits right after.
func (a *alertFlags) notify(g *globals, data any) error {
	if a.AlertWebhook == "" {
		return nil
	}
	secret := ""
	if a.AlertSecretEnv != "" {
		if secret = g.getenv(a.AlertSecretEnv); secret == "" {
			return usagef("--alert-secret-env %s is empty or unset", a.AlertSecretEnv)
		}
	}
	d := webhook.NewDispatcher()
	d.MaxAttempts = max(a.AlertAttempts, 1)
	d.Logger = g.logger
	d.AllowPrivateNetworks = a.AlertAllowPrivate
	done := make(chan webhook.Result, 1)
	d.Done = func(_ webhook.Delivery, r webhook.Result) { done <- r }
	if err := d.Open(); err != nil {
		return err
	}
	defer d.Close()
	if !d.Enqueue(webhook.Delivery{Target: webhook.Target{ID: "monitor", URL: a.AlertWebhook, Secret: secret}, Event: alertEvent, Data: data}) {
		return fmt.Errorf("alert webhook: delivery queue full")
	}
	select {
	case r := <-done:
		if !r.Success() {
			return fmt.Errorf("alert webhook %s failed after %d attempts (status %d): %v", a.AlertWebhook, r.Attempts, r.Status, r.Err)
		}
		return nil
	case <-g.ctx.Done():
		return g.ctx.Err()
	}
}

// period is a window length on the command line: a Go duration (36h, 90m),
// whole days or weeks (7d, 1w), since monitoring windows are usually
// counted in those, or calendar months (month, quarter, year, 2mo), which
// no fixed duration can cut.
type period struct {
	duration time.Duration
	months   int
}

// windows returns the window options the period cuts by.
func (p period) windows() monitor.WindowOptions {
	if p.months > 0 {
		return monitor.WindowOptions{Months: p.months}
	}
	return monitor.WindowOptions{Period: p.duration}
}

// UnmarshalText parses a period for kong.
func (p *period) UnmarshalText(b []byte) error {
	s := string(b)
	if len(s) == 0 {
		return fmt.Errorf("empty window")
	}
	if m, ok := map[string]int{"month": 1, "quarter": 3, "year": 12}[s]; ok {
		*p = period{months: m}
		return nil
	}
	if n, ok := strings.CutSuffix(s, "mo"); ok {
		m, err := strconv.Atoi(n)
		if err != nil || m <= 0 || 12%m != 0 {
			return fmt.Errorf("window %q: want a number of calendar months that divides a year (1mo, 2mo, 3mo, 4mo, 6mo, 12mo)", s)
		}
		*p = period{months: m}
		return nil
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit > 0 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 {
			return fmt.Errorf("window %q: want a positive whole number of days (7d) or weeks (1w), or a duration (36h)", s)
		}
		*p = period{duration: time.Duration(n) * unit}
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("window %q: want a positive duration (36h), days (7d), weeks (1w) or calendar months (month, quarter, year, 2mo)", s)
	}
	*p = period{duration: d}
	return nil
}

// cellAs reads row i of c as a value of the kind a model's input has, as
// the scoring server converts a request's values: numbers of either kind to
// the input's, anything to text for a string input.
func cellAs(c frame.Column, i int, k frame.Kind) any {
	v := c.Value(i)
	switch k {
	case frame.Float:
		if n, ok := v.(int64); ok {
			return float64(n)
		}
	case frame.Int:
		if x, ok := v.(float64); ok && x == math.Trunc(x) {
			return int64(x)
		}
	case frame.Categorical:
		return c.Text(i)
	}
	return v
}
