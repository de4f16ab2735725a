package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesReachScikitLearnDefaults runs each example pipeline on its
// table (tests/reference/fixtures/datasets, with the holdout rows that
// scikit-learn's train_test_split chose) and checks that the winner's
// holdout score is at least that of scikit-learn's default learners
// fitted on the same training rows (defaults.json), within one holdout row
// for accuracy and 1% for RMSE and ROC AUC: the winner is chosen by
// cross-validation, never on the holdout, so a tie on a few dozen rows is
// noise.
func TestExamplesReachScikitLearnDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three pipelines")
	}
	b, err := os.ReadFile("../tests/reference/fixtures/datasets/defaults.json")
	if err != nil {
		t.Fatalf("reading the defaults (run tests/reference/gen_datasets.py): %v", err)
	}
	var defaults map[string]map[string]any
	if err := json.Unmarshal(b, &defaults); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ example, dataset, task string }{
		{"wine", "wine", "multiclass"},
		{"diabetes", "diabetes", "regression"},
		{"breast-cancer", "breast_cancer", "binary"},
	} {
		t.Run(tc.example, func(t *testing.T) {
			spec, err := ReadSpec(filepath.Join("..", "examples", tc.example, "pipeline.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			spec.Data.Path = filepath.Join("..", spec.Data.Path)
			dir := t.TempDir()
			r := newTestRunner(t, dir, spec.Data.Path)
			r.Spec = spec
			var progress strings.Builder
			r.Progress = &progress
			s, err := r.Run(context.Background())
			if err != nil {
				t.Fatalf("%v\n%s", err, progress.String())
			}
			if s.Task != tc.task {
				t.Errorf("task %s, want %s", s.Task, tc.task)
			}
			d := defaults[tc.dataset]
			metric := d["metric"].(string)
			got := s.Holdout[s.Winner][metric]
			for name, v := range d {
				want, ok := v.(float64)
				if !ok {
					continue
				}
				var short bool
				switch metric {
				case "accuracy":
					short = got < want-1.0/float64(s.Data.HoldoutRows)-1e-12
				case "rmse":
					short = got > want*1.01
				default:
					short = got < want-0.01
				}
				if short {
					t.Errorf("winner %s holdout %s %.4f, scikit-learn's default %s %.4f", s.Winner, metric, got, name, want)
				}
			}
			if tc.example == "diabetes" {
				b := s.Business
				if b.CostPerRow >= b.BaselineCostPerRow || r.st.offset <= 0 {
					t.Errorf("diabetes: cost per row %.4f, best constant guess %.4f, offset %v: want a cheaper model shifted up (short costs more)", b.CostPerRow, b.BaselineCostPerRow, r.st.offset)
				}
				m, err := loadPredictor(filepath.Join(s.ModelDir, "predictor.json"))
				if err != nil {
					t.Fatal(err)
				}
				if m.Offset != r.st.offset {
					t.Errorf("registered predictor offset %v, want the chosen %v", m.Offset, r.st.offset)
				}
			}
			if tc.example == "wine" && (s.Business.CostPerRow >= s.Business.BaselineCostPerRow || s.Business.BaselineCostPerRow == 0) {
				t.Errorf("wine: cost per row %.4f, best constant guess %.4f: want a cheaper model", s.Business.CostPerRow, s.Business.BaselineCostPerRow)
			}
			if !s.Business.SuccessCriterionMet {
				t.Errorf("success criterion missed: %s", s.Business.Criterion)
			}
			t.Logf("%s: winner %s, holdout %s %.4f; scikit-learn defaults %v", tc.example, s.Winner, metric, got, d)
		})
	}
}
