//go:build !weir_serve

package main

import (
	"math"
	"slices"
	"strconv"

	"github.com/weir-ml/weir/monitor"
)

// stattestFlags choose drift tests and thresholds per column in place of
// Evidently's defaults, as its per_column_stattest does; "*" names every
// column.
type stattestFlags struct {
	Stattest          map[string]string `placeholder:"COLUMN=TEST" help:"Drift test for a column instead of the default choice: ks, chisquare, z, wasserstein, jensenshannon, psi, kl_div, hellinger or cramer_von_mises; * for every column; repeatable."`
	StattestThreshold map[string]string `placeholder:"COLUMN=VALUE" help:"Threshold of a column's drift test instead of the test's default; * for every column; repeatable."`
}

// apply sets the chosen tests and thresholds on o.
func (f *stattestFlags) apply(o *monitor.DriftOptions) error {
	for col, name := range f.Stattest {
		m, err := monitor.ParseMethod(name)
		if err != nil {
			return usagef("--stattest %s=%s: %v", col, name, err)
		}
		if col == "*" {
			o.Method = m
			continue
		}
		if o.Methods == nil {
			o.Methods = map[string]monitor.Method{}
		}
		o.Methods[col] = m
	}
	for col, s := range f.StattestThreshold {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) {
			return usagef("--stattest-threshold %s=%s: want a positive number", col, s)
		}
		if col == "*" {
			o.Threshold = v
			continue
		}
		if o.Thresholds == nil {
			o.Thresholds = map[string]float64{}
		}
		o.Thresholds[col] = v
	}
	return nil
}

// check refuses a choice naming a column the report did not test, so a
// misspelt column is an error rather than a silent default.
func (f *stattestFlags) check(d *monitor.DatasetDrift) error {
	tested := func(col string) bool {
		if col == "*" || d.Column(col) != nil {
			return true
		}
		return (d.Target != nil && d.Target.Column == col) || (d.Prediction != nil && d.Prediction.Column == col)
	}
	for _, flag := range []struct {
		name string
		cols map[string]string
	}{{"--stattest", f.Stattest}, {"--stattest-threshold", f.StattestThreshold}} {
		var cols []string
		for col := range flag.cols {
			cols = append(cols, col)
		}
		slices.Sort(cols)
		for _, col := range cols {
			if !tested(col) {
				return usagef("%s: no tested column %q", flag.name, col)
			}
		}
	}
	return nil
}
