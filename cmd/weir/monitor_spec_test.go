//go:build !weir_serve

package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/tree"
)

func TestRetrainSpec(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "spec.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("gbdt YAML", func(t *testing.T) {
		s, err := readRetrainSpec(write("learner: gbdt\nparams: {n_estimators: 17, learning_rate: 0.2}\nseed: 3\n"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.learner()
		if err != nil {
			t.Fatal(err)
		}
		g := m.(*gbdt.Model)
		if g.NEstimators != 17 || g.LearningRate != 0.2 || g.Seed != 3 {
			t.Errorf("gbdt = n %d lr %v seed %d, want 17 0.2 3", g.NEstimators, g.LearningRate, g.Seed)
		}
	})
	t.Run("random forest JSON", func(t *testing.T) {
		s, err := readRetrainSpec(write(`{"learner": "random_forest", "params": {"n_estimators": 9, "min_samples_leaf": 4}}`))
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.learner()
		if err != nil {
			t.Fatal(err)
		}
		if f := m.(*tree.RandomForestClassifier); f.NEstimators != 9 || f.MinSamplesLeaf != 4 {
			t.Errorf("forest = %d trees, leaf %d, want 9, 4", f.NEstimators, f.MinSamplesLeaf)
		}
	})
	t.Run("logistic regression", func(t *testing.T) {
		s, err := readRetrainSpec(write("learner: logistic_regression\nparams: {c: 0.5, balanced: true}\n"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.learner()
		if err != nil {
			t.Fatal(err)
		}
		if lr := m.(*linear.LogisticRegression); lr.C != 0.5 || !lr.BalancedClassWeight {
			t.Errorf("logistic regression C %v balanced %v, want 0.5 true", lr.C, lr.BalancedClassWeight)
		}
	})
	for _, tt := range []struct{ name, body string }{
		{"misspelt param", "learner: gbdt\nparams: {n_estimator: 5}\n"},
		{"unknown learner", "learner: svm\n"},
		{"unknown field", "learner: gbdt\nparms: {}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := readRetrainSpec(write(tt.body))
			if err == nil {
				_, err = s.learner()
			}
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want a usage error", err)
			}
		})
	}
}
