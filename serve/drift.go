package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/monitor"
)

// DriftMonitor keeps the most recent scored rows in a sliding window and,
// every Interval, tests them against the model's reference profile, exporting
// the results as gauges on /metrics. Tests run on a timer rather than per
// request so scoring latency never pays for them, and the gauges' labels
// come from the reference's columns and the fixed list of tests, so their
// number is bounded whatever clients send. Create it with NewDriftMonitor,
// set the fields, and give it to Server.Drift; the Server opens and closes it.
type DriftMonitor struct {
	// Reference is the profile of the model's training data. Required.
	Reference *monitor.Profile
	// Window is how many recent rows are tested.
	Window int
	// Interval is how often the window is tested.
	Interval time.Duration
	// MinRows is the fewest rows worth testing; below it no gauge is
	// exported, since a handful of rows drifts by chance.
	MinRows int
	// Options choose tests and thresholds (Columns, Target and Prediction
	// are set from the reference).
	Options monitor.DriftOptions
	Logger  *slog.Logger

	mu      sync.Mutex
	cols    []Column
	rows    [][]any
	scores  []float64
	keys    []monitor.LabelKey // request id and row of each slot, for labels
	labels  []float64          // ground truth posted to /labels, NaN until then
	next    int                // ring position of the next row
	filled  int
	model   string
	version string

	last   atomic.Pointer[driftResult]
	checks atomic.Uint64
	fails  atomic.Uint64
	stop   chan struct{}
	done   chan struct{}
}

// driftResult is the outcome of one check, with the model it was for.
type driftResult struct {
	model, version string
	rows           int
	drift          *monitor.DatasetDrift
	// labelled rows of the window and their ROC AUC (NaN without both classes).
	labelled int
	auc      float64
}

// NewDriftMonitor returns a monitor of ref with defaults: a window of the
// last 10,000 rows tested every minute once it holds 200.
func NewDriftMonitor(ref *monitor.Profile) *DriftMonitor {
	return &DriftMonitor{Reference: ref, Window: 10000, Interval: time.Minute, MinRows: 200, Options: monitor.NewDriftOptions()}
}

// Open validates the settings and starts the periodic checks.
func (d *DriftMonitor) Open() error {
	if d.Reference == nil || len(d.Reference.Columns) == 0 {
		return fmt.Errorf("serve: drift monitor needs a reference profile with columns")
	}
	if d.Window <= 0 || d.Interval <= 0 || d.MinRows < 0 {
		return fmt.Errorf("serve: drift Window (%d) and Interval (%v) must be positive, MinRows (%d) not negative", d.Window, d.Interval, d.MinRows)
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.rows, d.scores = make([][]any, d.Window), make([]float64, d.Window)
	d.keys, d.labels = make([]monitor.LabelKey, d.Window), make([]float64, d.Window)
	d.stop, d.done = make(chan struct{}), make(chan struct{})
	go d.run()
	return nil
}

// Close stops the checks.
func (d *DriftMonitor) Close() error {
	if d.stop != nil {
		close(d.stop)
		<-d.done
		d.stop = nil
	}
	return nil
}

func (d *DriftMonitor) run() {
	defer close(d.done)
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			if err := d.Check(context.Background()); err != nil {
				d.fails.Add(1)
				d.Logger.Warn("drift check failed", "err", err)
			}
		}
	}
}

// offer adds scored rows to the window. A new model or version empties it:
// rows scored by another model say nothing about this one's inputs.
func (d *DriftMonitor) offer(m *served, rows [][]any, preds []Prediction, requestID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rows == nil {
		return // not open
	}
	if m.Name != d.model || m.Version != d.version {
		d.model, d.version, d.cols = m.Name, m.Version, m.schema.cols
		d.next, d.filled = 0, 0
	}
	for i, r := range rows {
		d.rows[d.next], d.scores[d.next] = r, preds[i].Value
		d.keys[d.next], d.labels[d.next] = monitor.LabelKey{RequestID: requestID, Row: i}, math.NaN()
		d.next = (d.next + 1) % len(d.rows)
		d.filled = min(d.filled+1, len(d.rows))
	}
}

// Check tests the current window now and updates the gauges. The server
// calls it every Interval; tests call it directly.
func (d *DriftMonitor) Check(ctx context.Context) error {
	d.mu.Lock()
	n, cols, model, version := d.filled, d.cols, d.model, d.version
	rows, scores := make([][]any, 0, n), make([]float64, 0, n)
	var ly, ls []float64
	for i := range n {
		j := (d.next - n + i + len(d.rows)) % len(d.rows)
		rows, scores = append(rows, d.rows[j]), append(scores, d.scores[j])
		if !math.IsNaN(d.labels[j]) {
			ly, ls = append(ly, d.labels[j]), append(ls, d.scores[j])
		}
	}
	d.mu.Unlock()
	if n == 0 || n < d.MinRows {
		return nil
	}
	d.checks.Add(1)
	f, names, err := d.frame(cols, rows, scores)
	if err != nil {
		return err
	}
	opts := d.Options
	opts.Columns, opts.Target = names, ""
	po := monitor.ProfileOptions{}
	ref := *d.Reference
	ref.Target, ref.Columns = nil, nil
	for _, c := range d.Reference.Columns {
		if slices.Contains(names, c.Name) {
			ref.Columns = append(ref.Columns, c)
		}
	}
	if ref.Prediction != nil {
		opts.Prediction, po.Prediction = predictionColumn, predictionColumn
	} else {
		opts.Prediction = ""
	}
	cur, err := monitor.NewProfile(f, po)
	if err != nil {
		return err
	}
	res, err := monitor.CompareProfiles(ctx, &ref, cur, opts)
	if err != nil {
		return err
	}
	auc, err := metrics.ROCAUC(ly, ls, nil)
	if err != nil {
		auc = math.NaN() // no labels yet, or one class only
	}
	d.last.Store(&driftResult{model: model, version: version, rows: n, drift: res, labelled: len(ly), auc: auc})
	return nil
}

// predictionColumn names the score in the tested frame.
const predictionColumn = "prediction"

// frame builds the window's columns the reference has, each read the way
// the reference profiled it: categories as text, numbers as floats.
func (d *DriftMonitor) frame(cols []Column, rows [][]any, scores []float64) (*frame.Frame, []string, error) {
	kinds := map[string]monitor.Kind{}
	for _, c := range d.Reference.Columns {
		kinds[c.Name] = c.Kind
	}
	var names []string
	var out []frame.Column
	for j, c := range cols {
		k, ok := kinds[c.Name]
		if !ok {
			continue
		}
		names = append(names, c.Name)
		if k == monitor.Categorical {
			out = append(out, categoryColumn(rows, j))
		} else {
			out = append(out, numberColumn(rows, j))
		}
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("serve: no input column of the model is in the reference profile")
	}
	f, err := frame.New(slices.Clone(names), out)
	if err != nil {
		return nil, nil, err
	}
	if d.Reference.Prediction != nil {
		if f, err = f.With(predictionColumn, &frame.FloatColumn{Values: scores}); err != nil {
			return nil, nil, err
		}
	}
	return f, names, nil
}

func numberColumn(rows [][]any, j int) frame.Column {
	v := make([]float64, len(rows))
	for i, r := range rows {
		switch x := r[j].(type) {
		case float64:
			v[i] = x
		case int64:
			v[i] = float64(x)
		case bool:
			v[i] = 0
			if x {
				v[i] = 1
			}
		case time.Time:
			v[i] = float64(x.Unix())
		default:
			v[i] = math.NaN()
		}
	}
	return &frame.FloatColumn{Values: v}
}

func categoryColumn(rows [][]any, j int) frame.Column {
	c := &frame.CategoricalColumn{Codes: make([]int32, len(rows))}
	index := map[string]int32{}
	for i, r := range rows {
		var s string
		switch x := r[j].(type) {
		case nil:
			c.Codes[i] = -1
			continue
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		case int64:
			s = strconv.FormatInt(x, 10)
		case bool:
			s = strconv.FormatBool(x)
		default:
			s = fmt.Sprint(x)
		}
		code, ok := index[s]
		if !ok {
			code = int32(len(c.Levels))
			index[s] = code
			c.Levels = append(c.Levels, s)
		}
		c.Codes[i] = code
	}
	return c
}

// write exports the last check's gauges.
func (d *DriftMonitor) write(w io.Writer) {
	counter(w, "weir_drift_checks_total", "Drift checks of the serving window against the reference profile.", d.checks.Load())
	counter(w, "weir_drift_check_failures_total", "Drift checks that failed.", d.fails.Load())
	r := d.last.Load()
	if r == nil {
		return
	}
	ml := fmt.Sprintf("model=\"%s\",version=\"%s\"", label(r.model), label(r.version))
	help(w, "weir_drift_window_rows", "gauge", "Rows in the last drift check's window.")
	fmt.Fprintf(w, "weir_drift_window_rows{%s} %d\n", ml, r.rows)
	help(w, "weir_labelled_rows", "gauge", "Rows of the last drift check's window with ground truth posted to /labels.")
	fmt.Fprintf(w, "weir_labelled_rows{%s} %d\n", ml, r.labelled)
	if !math.IsNaN(r.auc) {
		help(w, "weir_model_roc_auc", "gauge", "ROC AUC of the labelled rows of the last drift check's window.")
		fmt.Fprintf(w, "weir_model_roc_auc{%s} %s\n", ml, strconv.FormatFloat(r.auc, 'g', -1, 64))
	}
	help(w, "weir_dataset_drift_share", "gauge", "Share of tested features that drifted in the last check.")
	fmt.Fprintf(w, "weir_dataset_drift_share{%s} %s\n", ml, strconv.FormatFloat(r.drift.Share, 'g', -1, 64))
	help(w, "weir_feature_drift", "gauge", "Drift score per feature in the last check: the p-value for p-value tests, the distance otherwise (see test).")
	cols := slices.Clone(r.drift.Columns)
	if r.drift.Prediction != nil {
		cols = append(cols, *r.drift.Prediction)
	}
	for _, c := range cols {
		if c.Skipped != "" {
			continue
		}
		fmt.Fprintf(w, "weir_feature_drift{%s,feature=\"%s\",test=\"%s\"} %s\n", ml, label(c.Column), label(string(c.Method)),
			strconv.FormatFloat(float64(c.Score), 'g', -1, 64))
	}
	help(w, "weir_feature_drifted", "gauge", "1 when the feature drifted in the last check (score past its test's threshold).")
	for _, c := range cols {
		if c.Skipped != "" {
			continue
		}
		v := 0
		if c.Drifted {
			v = 1
		}
		fmt.Fprintf(w, "weir_feature_drifted{%s,feature=\"%s\"} %d\n", ml, label(c.Column), v)
	}
}
