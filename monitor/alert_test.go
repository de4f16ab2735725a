package monitor

import (
	"math"
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	d := &DatasetDrift{
		Columns: []ColumnDrift{
			{Column: "a", Method: JSDistance, Score: 0.3, Drifted: true},
			{Column: "b", Method: KS, Score: 0.2},
			{Column: "c", Method: KS, Skipped: "no values in the current data"},
		},
		Tested: 2, Drifted: 1, Share: 0.5, DriftShare: 0.5, DatasetDrifted: true,
		Target: &ColumnDrift{Column: "y", Method: JSDistance, Score: 0.2, Drifted: true},
	}
	windows := []WindowPerformance{{ROCAUC: 0.8, EstROCAUC: 0.79}, {ROCAUC: Number(math.NaN()), EstROCAUC: 0.7}, {ROCAUC: 0.78, EstROCAUC: 0.77}}
	rules, err := ParseRules([]byte(`{"rules": [
		{"name": "share", "kind": "drift_share"},
		{"name": "share high", "kind": "drift_share", "above": 0.75},
		{"name": "a drifted", "kind": "feature", "column": "a"},
		{"name": "b p-value", "kind": "feature", "column": "b", "below": 0.25},
		{"name": "b drifted", "kind": "feature", "column": "b"},
		{"name": "c skipped", "kind": "feature", "column": "c"},
		{"name": "target", "kind": "target"},
		{"name": "prediction", "kind": "prediction"},
		{"name": "auc", "kind": "metric_drop", "metric": "roc_auc", "max_drop": 0.01},
		{"name": "est auc", "kind": "metric_drop", "metric": "estimated_roc_auc", "baseline": 0.8, "max_drop": 0.05},
		{"name": "est auc lax", "kind": "metric_drop", "metric": "estimated_roc_auc", "max_drop": 0.2}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := Evaluate(rules, d, windows)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range alerts {
		got = append(got, a.Rule)
	}
	if want := "share,a drifted,b p-value,target,auc,est auc"; strings.Join(got, ",") != want {
		t.Errorf("fired %v, want %s", got, want)
	}
	if alerts, err := Evaluate(rules, nil, nil); err != nil || len(alerts) != 0 {
		t.Errorf("nothing to evaluate: %v, %v; want no alerts", alerts, err)
	}
	if _, err := Evaluate([]Rule{{Name: "x", Kind: RuleFeature, Column: "zz"}}, d, nil); err == nil {
		t.Error("rule on an unknown column: no error")
	}
}

func TestParseRulesErrors(t *testing.T) {
	for _, bad := range []string{
		`{"rules": [{"kind": "drift_share"}]}`,
		`{"rules": [{"name": "x", "kind": "nope"}]}`,
		`{"rules": [{"name": "x", "kind": "feature"}]}`,
		`{"rules": [{"name": "x", "kind": "metric_drop", "metric": "accuracy"}]}`,
		`{"rules": [{"name": "x", "kind": "metric_drop", "metric": "recall", "max_drop": -1}]}`,
		`{"rules": [{"name": "x", "kind": "drift_share", "abve": 0.5}]}`,
		`{"rules": `,
	} {
		if _, err := ParseRules([]byte(bad)); err == nil {
			t.Errorf("ParseRules(%s): no error", bad)
		}
	}
}
