package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// taskCSV writes a table whose target is a class (multiclass) or a number
// (regression) that the features explain well, with no date column.
func taskCSV(t *testing.T, dir, task string) string {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("x1,x2,colour,target\n")
	for i := 0; i < 600; i++ {
		x1, x2 := r.NormFloat64(), r.NormFloat64()
		colour := []string{"red", "green", "blue"}[r.IntN(3)]
		var target string
		if task == "multiclass" {
			switch {
			case x1+0.3*r.NormFloat64() > 0.5:
				target = "high"
			case x1+0.3*r.NormFloat64() < -0.5:
				target = "low"
			default:
				target = "mid"
			}
		} else {
			bonus := map[string]float64{"red": 1, "green": 0, "blue": -1}[colour]
			target = fmt.Sprintf("%.4f", 3*x1-2*x2+bonus+0.3*r.NormFloat64())
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%s,%s\n", x1, x2, colour, target)
	}
	p := filepath.Join(dir, task+".csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const taskSpec = `
name: small
experiment: small
seed: 7
business: {question: "What is it?", value_per_conversion: 1}
data: {name: small, path: PATH, target: target}
split: {kind: random, holdout_fraction: 0.25}
prepare:
  steps:
    - {name: numeric, columns: [x1, x2], transforms: [{type: imputer, strategy: median}, {type: standard_scaler}]}
    - {name: categories, columns: [colour], transforms: [{type: one_hot}]}
model:
  folds: 3
  candidates:
CANDIDATES
registry: {model_name: small, promote_margin: 0.01}
monitoring: {window_size: 50}
`

func TestRunMulticlassAndRegression(t *testing.T) {
	for _, tc := range []struct {
		task, candidates, metric string
		good                     func(m, base map[string]float64) bool
	}{
		{"multiclass", `    - {learner: gbdt, search: grid, params: {n_estimators: 20, num_leaves: 7, min_data_in_leaf: 5}}
    - {learner: logistic_regression, search: grid, space: {c: {choice: [0.1, 1.0]}}}
    - {learner: random_forest, search: grid, params: {n_estimators: 20}}`, "accuracy",
			func(m, base map[string]float64) bool {
				return m["accuracy"] > base["accuracy"]+0.2 && m["roc_auc_ovr"] > 0.85
			}},
		{"regression", `    - {learner: gbdt, search: grid, params: {n_estimators: 50, min_data_in_leaf: 5}}
    - {learner: ridge, search: grid, space: {alpha: {choice: [0.1, 10]}}}
    - {learner: linear_regression, search: grid}
    - {learner: random_forest, search: grid, params: {n_estimators: 20}}`, "rmse",
			func(m, base map[string]float64) bool { return m["rmse"] < base["rmse"]/2 && m["r2"] > 0.8 }},
	} {
		t.Run(tc.task, func(t *testing.T) {
			dir := t.TempDir()
			data := taskCSV(t, dir, tc.task)
			spec, err := ParseSpec([]byte(strings.NewReplacer("PATH", data, "CANDIDATES", tc.candidates).Replace(taskSpec)))
			if err != nil {
				t.Fatal(err)
			}
			r := newTestRunner(t, dir, data)
			r.Spec = spec
			var progress strings.Builder
			r.Progress = &progress
			s, err := r.Run(context.Background())
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			if s.Task != tc.task || !strings.Contains(s.TaskWhy, tc.task) {
				t.Errorf("task = %q (%s), want %s", s.Task, s.TaskWhy, tc.task)
			}
			win := s.Holdout[s.Winner]
			if !tc.good(win, s.Baseline) {
				t.Errorf("winner %s holdout %v against baseline %v: not good enough", s.Winner, win, s.Baseline)
			}
			if !s.Business.SuccessCriterionMet {
				t.Errorf("success criterion missed: %s", s.Business.Criterion)
			}
			if s.Champion.Version != "1" || s.Monitoring.Status != "done" || len(s.Monitoring.Periods) == 0 {
				t.Errorf("champion %+v, monitoring %+v", s.Champion, s.Monitoring)
			}
			if m := s.Monitoring.Periods[0]; m.Metric != tc.metric {
				t.Errorf("monitoring metric %q, want %q", m.Metric, tc.metric)
			}
			var text strings.Builder
			s.WriteText(&text)
			for _, bad := range []string{"map[", "P(yes)", "%!"} {
				if strings.Contains(text.String(), bad) {
					t.Errorf("summary has %q:\n%s", bad, text.String())
				}
			}
		})
	}
}

func TestCostMatrix(t *testing.T) {
	classes := []string{"a", "b", "c"}
	m, err := costMatrix(BusinessSpec{Costs: []MisclassCost{{Actual: "a", Predicted: "c", Cost: 9}}, MisclassificationCost: 2}, classes)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0, 2, 9}, {2, 0, 2}, {2, 2, 0}}
	for i := range want {
		for j := range want[i] {
			if m[i][j] != want[i][j] {
				t.Fatalf("cost matrix %v, want %v", m, want)
			}
		}
	}
	if got := costPerRow(m, []float64{0, 1, 2}, []float64{2, 1, 0}); got != (9+0+2)/3.0 {
		t.Errorf("cost per row %v", got)
	}
	if d := constantDecision(m, []float64{0, 0, 0, 1}, 3, 2); d[0] != 0 {
		t.Errorf("the best constant guess for a mostly-a training set is %v, want a", d[0])
	}
	for _, tc := range []struct {
		costs []MisclassCost
		want  string
	}{
		{[]MisclassCost{{Actual: "a", Predicted: "z", Cost: 1}}, `"a" and "z" must both be classes`},
		{[]MisclassCost{{Actual: "a", Predicted: "a", Cost: 1}}, "is not a mistake"},
		{[]MisclassCost{{Actual: "a", Predicted: "b", Cost: -1}}, "must be 0 or more"},
	} {
		if _, err := costMatrix(BusinessSpec{Costs: tc.costs}, classes); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("costs %+v: error %v, want %q", tc.costs, err, tc.want)
		}
	}
	if m, err := costMatrix(BusinessSpec{}, classes); m != nil || err != nil {
		t.Errorf("no costs: %v, %v; want no matrix", m, err)
	}
}

func TestLeastCostOffset(t *testing.T) {
	y := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	pred := make([]float64, len(y))
	// Short costs 3, over costs 1: the 0.75 quantile of the errors.
	if got := leastCostOffset(y, pred, 3, 1); got != 8 {
		t.Errorf("offset %v, want 8 (the 0.75 quantile)", got)
	}
	if got := leastCostOffset(y, pred, 1, 1); got != 5 {
		t.Errorf("symmetric offset %v, want the median 5", got)
	}
	// At the chosen offset the cost is no higher than one step either side.
	c := func(o float64) float64 {
		d := make([]float64, len(y))
		for i := range d {
			d[i] = o
		}
		return asymmetricCost(y, d, 3, 1)
	}
	if c(8) > c(7) || c(8) > c(9) {
		t.Errorf("cost at 8 = %v, at 7 = %v, at 9 = %v: the offset is not the least", c(8), c(7), c(9))
	}
}
