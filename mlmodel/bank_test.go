package mlmodel

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/tree"
)

// readBank returns every step-th row of the bank-marketing data without
// duration, which leaks the target; it skips the test when the data is
// absent.
func readBank(tb testing.TB, step int) *frame.Frame {
	tb.Helper()
	p := os.Getenv("WEIR_BANK_DATA")
	if p == "" {
		p = filepath.Join("..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", p, err)
	}
	f, err := frame.ReadCSVFile(p, frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if f, err = f.Drop("duration"); err != nil {
		tb.Fatal(err)
	}
	var rows []int
	for i := 0; i < f.NumRows(); i += step {
		rows = append(rows, i)
	}
	if f, err = f.Take(rows); err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestBankSaveLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fits three learners on the bank data")
	}
	f := readBank(t, 8)
	ex, _ := f.Slice(0, 5)
	for name, mk := range map[string]func() ml.Classifier{
		predictor.LogisticRegression: func() ml.Classifier { return linear.NewLogisticRegression() },
		predictor.RandomForest: func() ml.Classifier {
			rf := tree.NewRandomForestClassifier()
			rf.NEstimators, rf.MaxDepth, rf.Seed, rf.Workers = 20, 10, 1, 1
			return rf
		},
		predictor.GBDT: func() ml.Classifier {
			g := gbdt.NewClassifier()
			g.NEstimators, g.NumThreads = 30, 1
			return g
		},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: mk()})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "model")
			if err := Save(dir, p, Info{Example: ex}); err != nil {
				t.Fatal(err)
			}
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := m.Predictor.LearnerType(); got != name {
				t.Errorf("loaded learner %s, want %s", got, name)
			}
			want, wantLabels, err := p.PredictFrame(f)
			if err != nil {
				t.Fatal(err)
			}
			got, gotLabels, err := m.Predictor.PredictFrame(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotLabels, wantLabels) {
				t.Fatal("the loaded model predicts differently on the bank data")
			}
			rows, err := m.InputExample()
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				pr, label, err := m.Predictor.PredictRow(r)
				if err != nil {
					t.Fatal(err)
				}
				if d := pr - want[i]; d > 1e-12 || d < -1e-12 || label != wantLabels[i] {
					t.Errorf("input example row %d scores %v %q, want %v %q", i, pr, label, want[i], wantLabels[i])
				}
			}
		})
	}
}
