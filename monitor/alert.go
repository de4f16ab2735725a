package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/weir-ml/weir"
)

// Rule kinds.
const (
	// RuleDriftShare fires when the share of drifted features reaches Above
	// (or, without Above, when the dataset drifted).
	RuleDriftShare = "drift_share"
	// RuleFeature fires when Column drifted, or, with Above or Below, when
	// its score reaches Above or falls to Below.
	RuleFeature = "feature"
	// RuleTarget and RulePrediction fire when the target or the prediction
	// drifted.
	RuleTarget     = "target"
	RulePrediction = "prediction"
	// RuleMetricDrop fires when a window's Metric falls more than MaxDrop
	// below Baseline (or below the first window's value, without Baseline).
	RuleMetricDrop = "metric_drop"
)

// Rule is one alert rule, as written in a rules file:
//
//	{"rules": [
//	  {"name": "half the features", "kind": "drift_share", "above": 0.5},
//	  {"name": "contact channel", "kind": "feature", "column": "contact", "above": 0.2},
//	  {"name": "auc", "kind": "metric_drop", "metric": "estimated_roc_auc", "baseline": 0.78, "max_drop": 0.05}
//	]}
type Rule struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Column   string   `json:"column,omitempty"`
	Above    *float64 `json:"above,omitempty"`
	Below    *float64 `json:"below,omitempty"`
	Metric   string   `json:"metric,omitempty"`
	Baseline *float64 `json:"baseline,omitempty"`
	MaxDrop  float64  `json:"max_drop,omitempty"`
}

// Alert is a rule that fired, with what made it fire.
type Alert struct {
	Rule    string  `json:"rule"`
	Message string  `json:"message"`
	Value   float64 `json:"value"`
}

// windowMetrics are the metrics a metric_drop rule can watch.
var windowMetrics = map[string]func(WindowPerformance) Number{
	"roc_auc":                  func(w WindowPerformance) Number { return w.ROCAUC },
	"precision":                func(w WindowPerformance) Number { return w.Precision },
	"recall":                   func(w WindowPerformance) Number { return w.Recall },
	"business_value":           func(w WindowPerformance) Number { return w.Business },
	"estimated_roc_auc":        func(w WindowPerformance) Number { return w.EstROCAUC },
	"estimated_precision":      func(w WindowPerformance) Number { return w.EstPrecision },
	"estimated_recall":         func(w WindowPerformance) Number { return w.EstRecall },
	"estimated_business_value": func(w WindowPerformance) Number { return w.EstBusiness },
}

// ParseRules reads a rules file ({"rules": [...]}) and checks every rule,
// refusing unknown fields so that a misspelt threshold is not ignored.
func ParseRules(b []byte) ([]Rule, error) {
	var f struct{ Rules []Rule }
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "alert rules: %v", err)
	}
	for i, r := range f.Rules {
		if err := r.check(); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "alert rule %d (%q): %v", i+1, r.Name, err)
		}
	}
	return f.Rules, nil
}

func (r Rule) check() error {
	if r.Name == "" {
		return fmt.Errorf("no name")
	}
	switch r.Kind {
	case RuleDriftShare, RuleTarget, RulePrediction:
	case RuleFeature:
		if r.Column == "" {
			return fmt.Errorf("a feature rule needs a column")
		}
	case RuleMetricDrop:
		if windowMetrics[r.Metric] == nil {
			return fmt.Errorf("unknown metric %q", r.Metric)
		}
		if r.MaxDrop < 0 {
			return fmt.Errorf("max_drop %v is negative", r.MaxDrop)
		}
	default:
		return fmt.Errorf("unknown kind %q", r.Kind)
	}
	return nil
}

// Evaluate returns the alerts that fire on a drift result and performance
// windows (either may be nil; a rule about what is absent does not fire).
// A feature rule naming a column the drift result lacks is an error.
func Evaluate(rules []Rule, d *DatasetDrift, windows []WindowPerformance) ([]Alert, error) {
	var out []Alert
	for _, r := range rules {
		a, err := r.evaluate(d, windows)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "alert rule %q: %v", r.Name, err)
		}
		out = append(out, a...)
	}
	return out, nil
}

func (r Rule) evaluate(d *DatasetDrift, windows []WindowPerformance) ([]Alert, error) {
	fire := func(v float64, format string, args ...any) []Alert {
		return []Alert{{Rule: r.Name, Value: v, Message: fmt.Sprintf(format, args...)}}
	}
	switch r.Kind {
	case RuleDriftShare:
		if d == nil {
			return nil, nil
		}
		if r.Above != nil && d.Share >= *r.Above || r.Above == nil && d.DatasetDrifted {
			return fire(d.Share, "%d of %d features drifted (share %.3f)", d.Drifted, d.Tested, d.Share), nil
		}
	case RuleFeature:
		if d == nil {
			return nil, nil
		}
		c := d.Column(r.Column)
		if c == nil {
			return nil, fmt.Errorf("no column %q in the drift result", r.Column)
		}
		if c.Skipped != "" {
			return nil, nil
		}
		s := float64(c.Score)
		hit := c.Drifted
		if r.Above != nil || r.Below != nil {
			hit = r.Above != nil && s >= *r.Above || r.Below != nil && s <= *r.Below
		}
		if hit {
			return fire(s, "%s: %s score %.4g", c.Column, c.Method, s), nil
		}
	case RuleTarget, RulePrediction:
		if d == nil {
			return nil, nil
		}
		c := d.Target
		if r.Kind == RulePrediction {
			c = d.Prediction
		}
		if c != nil && c.Drifted {
			return fire(float64(c.Score), "%s %s drifted: %s score %.4g", r.Kind, c.Column, c.Method, float64(c.Score)), nil
		}
	case RuleMetricDrop:
		return r.metricDrop(windows, fire), nil
	}
	return nil, nil
}

// metricDrop compares every window with the baseline and fires once, on
// the worst window.
func (r Rule) metricDrop(windows []WindowPerformance, fire func(float64, string, ...any) []Alert) []Alert {
	get := windowMetrics[r.Metric]
	var vals []float64
	var idx []int
	for i, w := range windows {
		if v := float64(get(w)); !math.IsNaN(v) {
			vals, idx = append(vals, v), append(idx, i)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	base := vals[0]
	if r.Baseline != nil {
		base = *r.Baseline
	}
	worst := slices.Index(vals, slices.Min(vals))
	if drop := base - vals[worst]; drop > r.MaxDrop {
		w := windows[idx[worst]]
		return fire(vals[worst], "%s fell to %.4g in window %s (baseline %.4g, drop %.4g > %.4g)",
			r.Metric, vals[worst], windowName(w), base, drop, r.MaxDrop)
	}
	return nil
}

// windowName is a window's label, or its start when it has none.
func windowName(w WindowPerformance) string {
	if w.Label != "" {
		return w.Label
	}
	return w.Start.UTC().Format("2006-01-02 15:04 UTC")
}
