package pipeline

import (
	"os"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/gbdt"
	"strings"
	"testing"
)

func TestBankMarketingMatchesExample(t *testing.T) {
	b, err := os.ReadFile("../examples/bank-marketing/pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(BankMarketing), string(b); got != want {
		t.Errorf("pipeline/bank_marketing.yaml differs from examples/bank-marketing/pipeline.yaml: copy one over the other")
	}
	s, err := ParseSpec(BankMarketing)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Data.Leakage, []string{"duration"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("leakage = %v, want %v", got, want)
	}
}

func TestParseSpecErrors(t *testing.T) {
	base := string(BankMarketing)
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown key", "seed: 42", "seeds: 42", `7:1: seeds: unknown key "seeds"; did you mean "seed"?`},
		{"bad learner", "learner: logistic_regression", "learner: svm", `model.candidates[1].learner: "svm" is not a learner`},
		{"bad search", "search: grid", "search: bayes", `search: "bayes" is not a search`},
		{"bad transform", "type: one_hot", "type: one_cold", `"one_cold" is not a transform type`},
		{"bad space", "c: {choice: [0.01, 0.1, 1.0]}", "c: {int: [3, 1]}", "int needs [lo, hi]"},
		{"no target", "target: y", "target: ''", "data.target"},
		{"bad name", "name: bank-marketing", "name: 'bank marketing'", `name: "bank marketing" must be`},
		{"folds", "folds: 3", "folds: 1", "model.folds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, tt.old, tt.new, 1)
			if src == base {
				t.Fatalf("%q not in the spec", tt.old)
			}
			_, err := ParseSpec([]byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseSpec error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewLearnerRejectsUnknownParams(t *testing.T) {
	for _, task := range tasks {
		for _, l := range learnersFor(task) {
			if _, err := newLearner(task, l, map[string]any{"no_such_param": 1}, 1, 3); err == nil {
				t.Errorf("newLearner(%s, %s) accepted an unknown param", task, l)
			}
		}
	}
	if _, err := newLearner(ml.TaskRegression, "logistic_regression", nil, 1, 0); err == nil || !strings.Contains(err.Error(), "cannot fit a regression task") {
		t.Errorf("newLearner(regression, logistic_regression) error = %v", err)
	}
	m, err := newLearner("", "gbdt", map[string]any{"num_leaves": 7, "learning_rate": 0.05}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := m.(*gbdt.Model)
	if !ok {
		t.Fatalf("newLearner(gbdt) = %T", m)
	}
	if g.NumLeaves != 7 || g.LearningRate != 0.05 || g.Seed != 3 || g.NEstimators != 100 {
		t.Errorf("gbdt params = leaves %d, rate %v, seed %d, trees %d; want 7, 0.05, 3, 100 (LightGBM's default)", g.NumLeaves, g.LearningRate, g.Seed, g.NEstimators)
	}
}
