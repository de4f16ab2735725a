package monitor

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// DriftOptions choose the columns, tests and thresholds of a drift check.
// The zero value is not ready; start from NewDriftOptions.
type DriftOptions struct {
	// Columns are the features to test; nil means every column of the
	// reference except Target and Prediction.
	Columns []string
	// Categorical names numerical columns to treat as categories.
	Categorical []string
	// Method, when set, replaces Evidently's per-column choice for every
	// column; Methods overrides it per column.
	Method  Method
	Methods map[string]Method
	// Threshold, when positive, replaces each method's default threshold;
	// Thresholds overrides it per column.
	Threshold  float64
	Thresholds map[string]float64
	// DriftShare is the share of tested features that must drift for the
	// dataset to count as drifted (Evidently's drift_share).
	DriftShare float64
	// Target and Prediction name the label and score columns, tested beside
	// the features and reported apart; empty to skip.
	Target, Prediction string
}

// NewDriftOptions returns Evidently's defaults: its per-column choice of
// test and threshold, and dataset drift at half the features.
func NewDriftOptions() DriftOptions { return DriftOptions{DriftShare: 0.5} }

// ColumnDrift is the outcome of one column's drift test.
type ColumnDrift struct {
	Column    string  `json:"column"`
	Kind      Kind    `json:"kind"`
	Method    Method  `json:"method"`
	Threshold float64 `json:"threshold"`
	// Score is the p-value for p-value tests and the distance otherwise.
	Score Number `json:"score"`
	// Statistic is the test statistic where it differs from the score (KS
	// distance, chi-square, z, T, the raw Wasserstein distance).
	Statistic Number `json:"statistic"`
	Drifted   bool   `json:"drifted"`
	// Skipped says why the column could not be tested (no values in one of
	// the datasets, too few for the test); such a column does not drift and
	// does not count toward the drift share.
	Skipped string `json:"skipped,omitempty"`
	// Counts of rows and of present values.
	RefRows    int `json:"reference_rows"`
	CurRows    int `json:"current_rows"`
	RefPresent int `json:"reference_present"`
	CurPresent int `json:"current_present"`
	// Distribution holds both sides' shares over common bins, for plots.
	Distribution *Distribution `json:"distribution,omitempty"`
}

// DatasetDrift is the outcome of a drift check over all columns.
type DatasetDrift struct {
	Columns    []ColumnDrift `json:"columns"`
	Tested     int           `json:"tested"`
	Drifted    int           `json:"drifted"`
	Share      float64       `json:"share"`
	DriftShare float64       `json:"drift_share"`
	// DatasetDrifted is Share ≥ DriftShare (and at least one column tested).
	DatasetDrifted bool         `json:"dataset_drifted"`
	Target         *ColumnDrift `json:"target,omitempty"`
	Prediction     *ColumnDrift `json:"prediction,omitempty"`
}

// Column returns the result for the named feature, or nil.
func (d *DatasetDrift) Column(name string) *ColumnDrift {
	for i := range d.Columns {
		if d.Columns[i].Column == name {
			return &d.Columns[i]
		}
	}
	return nil
}

// Drift tests every chosen column of cur against ref. Columns run in
// parallel, one per CPU.
func Drift(ctx context.Context, ref, cur *frame.Frame, opts DriftOptions) (d *DatasetDrift, err error) {
	defer weir.Wrap(&err, "monitor.Drift")
	if err := opts.check(); err != nil {
		return nil, err
	}
	names, all := opts.columnsFor(ref.Names())
	type pair struct{ r, c frame.Column }
	cols := make([]pair, len(all))
	for i, name := range all {
		rc, err := ref.Column(name)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "reference: %v", err)
		}
		cc, err := cur.Column(name)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "current: %v", err)
		}
		if rc.Kind() != cc.Kind() && !(rc.Kind().Numeric() && cc.Kind().Numeric()) {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "column %q is %s in the reference and %s in the current data", name, rc.Kind(), cc.Kind())
		}
		cols[i] = pair{rc, cc}
	}
	results, err := parallel(ctx, len(all), func(i int) (ColumnDrift, error) {
		kind := opts.kindOf(all[i], cols[i].r)
		return opts.testSamples(all[i], newSample(cols[i].r, kind), newSample(cols[i].c, kind))
	})
	if err != nil {
		return nil, err
	}
	return opts.assemble(results, len(names)), nil
}

// parallel runs f(0..n-1), one call per CPU at a time, and returns the
// results in order or the first error.
func parallel(ctx context.Context, n int, f func(i int) (ColumnDrift, error)) ([]ColumnDrift, error) {
	results := make([]ColumnDrift, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			results[i], errs[i] = f(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// assemble splits results into features, target and prediction (in that
// order, as columnsFor lists them) and counts the drifted features.
func (opts DriftOptions) assemble(results []ColumnDrift, features int) *DatasetDrift {
	d := &DatasetDrift{Columns: results[:features], DriftShare: opts.DriftShare}
	rest := results[features:]
	if opts.Target != "" {
		d.Target, rest = &rest[0], rest[1:]
	}
	if opts.Prediction != "" {
		d.Prediction = &rest[0]
	}
	for _, c := range d.Columns {
		if c.Skipped == "" {
			d.Tested++
			if c.Drifted {
				d.Drifted++
			}
		}
	}
	if d.Tested > 0 {
		d.Share = float64(d.Drifted) / float64(d.Tested)
		d.DatasetDrifted = d.Share >= d.DriftShare
	}
	return d
}

func (o DriftOptions) check() error {
	if o.DriftShare <= 0 || o.DriftShare > 1 {
		return weir.Errorf(weir.ErrInvalidParameterValue, "drift share %v must be in (0, 1]", o.DriftShare)
	}
	ms := []Method{o.Method}
	for _, m := range o.Methods {
		ms = append(ms, m)
	}
	for _, m := range ms {
		if m != "" && !slices.Contains(Methods, m) {
			return weir.Errorf(weir.ErrInvalidParameterValue, "unknown drift method %q", m)
		}
	}
	return nil
}

// columnsFor lists the features to test (opts.Columns, or every column
// but the target and prediction) and, after them, the target and
// prediction.
func (opts DriftOptions) columnsFor(available []string) (features, all []string) {
	features = opts.Columns
	if features == nil {
		for _, n := range available {
			if n != opts.Target && n != opts.Prediction {
				features = append(features, n)
			}
		}
	}
	all = slices.Clone(features)
	for _, n := range []string{opts.Target, opts.Prediction} {
		if n != "" {
			all = append(all, n)
		}
	}
	return features, all
}

// kindOf says how the tests see a frame column.
func (o DriftOptions) kindOf(name string, c frame.Column) Kind {
	switch c.Kind() {
	case frame.Categorical, frame.Bool:
		return Categorical
	}
	if slices.Contains(o.Categorical, name) {
		return Categorical
	}
	return Numerical
}

// testSamples runs the chosen test on one column's samples.
func (o DriftOptions) testSamples(name string, ref, cur *sample) (ColumnDrift, error) {
	kind := ref.kind
	r := ColumnDrift{Column: name, Kind: kind, RefRows: ref.rows, CurRows: cur.rows, RefPresent: ref.n, CurPresent: cur.n}
	m := o.Methods[name]
	if m == "" {
		m = o.Method
	}
	if m == "" {
		m = DefaultMethod(kind, ref.n, distinctUnion(ref, cur))
	}
	r.Method = m
	r.Threshold = m.DefaultThreshold()
	if o.Threshold > 0 {
		r.Threshold = o.Threshold
	}
	if t, ok := o.Thresholds[name]; ok {
		r.Threshold = t
	}
	switch {
	case ref.n == 0:
		r.Skipped = "no values in the reference"
	case cur.n == 0:
		r.Skipped = "no values in the current data"
	case m == CramerVonMises && (ref.n < 2 || cur.n < 2):
		r.Skipped = "cramer_von_mises needs at least two values on each side"
	}
	if r.Skipped != "" {
		return r, nil
	}
	if m.numericalOnly() && kind != Numerical {
		return r, weir.Errorf(weir.ErrInvalidParameterValue, "column %q is categorical; %s needs numbers", name, m)
	}
	score, stat, err := m.score(ref, cur)
	if err != nil {
		return r, fmt.Errorf("column %q: %w", name, err)
	}
	r.Score, r.Statistic = Number(score), Number(stat)
	r.Drifted = m.Drifted(score, r.Threshold)
	r.Distribution = newDistribution(ref, cur)
	return r, nil
}
